"""Phone numbers with `phonenumbers`: the national formats of the regions of the turn's
language (the pack's `phone_regions`) and "+..." international numbers; spoken numbers are
read from the digit runs and must be valid numbers of one of those regions.

Not taken (`scorer.redaction.number_context`): digits in URLs and version strings,
organisations' service numbers (toll-free, shared cost, short codes), an agent's number with
no owner cue that is not a mobile, and a part of a run of 16+ digits (E.164 numbers have at
most 15: the rest is a card, serial or other long id). Also found: 11-digit mobile numbers of
a broad region list (`phone_mobile`) and masked numbers with 5+ digits shown ("186****0071").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from scorer.redaction.digits import DigitRun, Window
from scorer.redaction.model import Entity
from scorer.redaction.number_context import (
    broad_regions,
    in_url_or_version,
    mobile_number,
    object_labelled,
    organisations_number,
    placeholder_digits,
    services_number,
)
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
                    and _accept(match.raw_string, match.number) \
                    and not _not_personal(context, match.start, match.end):
                seen.add(span)
                yield context.entity(match.start, match.end, "PHONE", "phone")
    for run in context.runs:
        if run.spoken and len(run.digits) >= PHONE_LENGTHS.start:
            international = _after_plus(context, run)
            for window in run.pick(PHONE_LENGTHS,
                                   partial(_valid, regions=regions, international=international)):
                if not _not_personal(context, window.start, window.end):
                    yield context.entity(window.start, window.end, "PHONE", "phone_spoken")


@recognizer("phone_mobile", kinds=("PHONE",))
def find_mobiles(context: Context) -> Iterator[Entity]:
    """A whole digit run of 11 digits valid as a mobile number in the broad region list."""
    for run in context.runs:
        if mobile_number(run.digits, context.pack.phone_regions) \
                and not _after_plus_sign(context, run.start) \
                and not _not_personal(context, run.start, run.end):
            yield context.entity(run.start, run.end, "PHONE", "phone_mobile")


# Digits with a masked middle: 186****0071, 4539xxxxxxxx0366, 07•••123456.
_MASKED = re.compile(r"(?<![\w*•])(\d{2,})([*xX•#]{2,})(\d{2,})(?![\w*•])")
MIN_SHOWN_DIGITS = 5


@recognizer("masked_number", kinds=("PHONE", "CARD", "ACCOUNT"))
def find_masked(context: Context) -> Iterator[Entity]:
    """A number with masked digits and at least 5 shown is still personal data (GUIDE.md):
    CARD at a card's length (13-19), PHONE when it reads as a phone number with the masks as
    zeros (broad regions), else ACCOUNT."""
    for match in _MASKED.finditer(context.text):
        shown = match.group(1) + match.group(3)
        if len(shown) < MIN_SHOWN_DIGITS:
            continue
        full = match.group(1) + "0" * len(match.group(2)) + match.group(3)
        if 13 <= len(full) <= 19:
            kind = "CARD"
        elif mobile_number(full, context.pack.phone_regions) \
                or _valid(Window(full, 0, 0), broad_regions(), False):
            kind = "PHONE"
        else:
            kind = "ACCOUNT"
        yield context.entity(match.start(), match.end(), kind, "masked_number")


def _digits(context: Context, start: int, end: int) -> str:
    return "".join(c for c in context.text[start:end] if c.isdigit())


def _not_personal(context: Context, start: int, end: int) -> bool:
    digits = _digits(context, start, end)
    plus = context.text[start:end].lstrip().startswith("+")
    return in_url_or_version(context, start, end) or placeholder_digits(digits) \
        or object_labelled(context, start, end) \
        or services_number(context, start, end, "+" + digits if plus else digits) \
        or organisations_number(context, start, end, digits) \
        or _inside_long_run(context, start, end)


def _inside_long_run(context: Context, start: int, end: int) -> bool:
    return any(len(run.digits) > max(PHONE_LENGTHS) and run.start <= start < run.end
               for run in context.runs)


def _after_plus_sign(context: Context, start: int) -> bool:
    return context.text[:start].rstrip().endswith("+")


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
