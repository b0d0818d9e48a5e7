"""Phone numbers with `phonenumbers`: the national formats of the regions of the turn's
language (the pack's `phone_regions`) and "+..." international numbers; spoken numbers are
read from the digit runs and must be valid numbers of one of those regions."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from scorer.redaction.digits import DigitRun, Window
from scorer.redaction.model import Entity
from scorer.redaction.registry import Context, recognizer

PHONE_LENGTHS = range(7, 16)  # E.164 allows at most 15 digits
_INTERNATIONAL = "ZZ"  # phonenumbers' unknown region: only "+..." numbers parse


@recognizer("phone", kinds=("PHONE",))
def find_phones(context: Context) -> Iterator[Entity]:
    if context.digit_count < PHONE_LENGTHS.start:
        return
    regions = context.pack.phone_regions or (_INTERNATIONAL,)
    seen: set[tuple[int, int]] = set()
    for region in regions:
        # POSSIBLE finds the candidates; validity (or a phone-like layout) decides below.
        for match in PhoneNumberMatcher(context.text, region, leniency=Leniency.POSSIBLE):
            span = (match.start, match.end)
            if span not in seen and not context.in_date(*span) \
                    and _accept(match.raw_string, match.number):
                seen.add(span)
                yield context.entity(match.start, match.end, "PHONE", "phone")
    for run in context.runs:
        if run.spoken and len(run.digits) >= PHONE_LENGTHS.start:
            international = _after_plus(context, run)
            for window in run.pick(PHONE_LENGTHS,
                                   partial(_valid, regions=regions, international=international)):
                yield context.entity(window.start, window.end, "PHONE", "phone_spoken")


def _accept(raw: str, number: phonenumbers.PhoneNumber) -> bool:
    """A valid number of its region, or a possible one written the way phone numbers are:
    "(977) 625-2661" (ABCD's made-up area codes are not assigned), "+1 ..."."""
    if phonenumbers.is_valid_number(number):
        return True
    return raw.lstrip().startswith(("+", "(")) and phonenumbers.is_possible_number(number)


def _after_plus(context: Context, run: DigitRun) -> bool:
    before = context.text[:run.start].rstrip()
    if before.endswith("+"):
        return True
    words = [t for t in context.tokens if t.end <= run.start]
    return bool(words) and words[-1].norm in context.pack.plus \
        and not context.text[words[-1].end:run.start].strip()


def _valid(window: Window, regions: tuple[str, ...], international: bool) -> bool:
    candidates = [("+" + window.digits, None)] if international else [
        (window.digits, region) for region in regions]
    for digits, region in candidates:
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False
