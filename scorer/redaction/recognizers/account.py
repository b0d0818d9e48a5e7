"""Account-like identifiers: the value after a cue ("Order ID: 3348917502", "username is
cminh730", "номер счёта ..."), long digit runs (6+ digits, written or spoken) that are not a
date, time or amount, and user-name-like words mixing letters and digits ("aphoenix939").

Precision first for short numbers: "order 2 items" or "3 days" is never taken, a cue's value
needs 4+ digits (3 after an explicit "label:") or letters with a digit.

A long number with no cue is an account only when nothing says it is something else
(`_not_an_account`): a URL, domain or version string; one digit repeated ("2333333" is
laughter in Chinese chats, "1000000" a round number); a range ("400 - 500"); a number after
"+" (a phone's shape: the phone recogniser decides); a thing's number ("No. 12", "machine
4410021", "serial number ...": machines, rooms and devices are not persons, GUIDE.md); an
organisation's service number; an agent's number with no owner cue (number_context).
Handles: not inside URLs, not capitals-only brand codes ("ABC123"), and their letter part
has 3+ letters ("No.2977" is a house number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import regex

from scorer.redaction.digits import DigitRun
from scorer.redaction.model import Entity
from scorer.redaction.number_context import (
    in_url_or_version,
    object_labelled,
    organisations_number,
    placeholder_digits,
    services_number,
)
from scorer.redaction.registry import Context, recognizer
from scorer.text import Token

MIN_RUN_DIGITS = 6
MIN_CUE_DIGITS = 4
# 1,250,000 or 49.90: amounts, not identifiers ("1 250 000" only with a currency beside it).
_AMOUNT = re.compile(r"\d{1,3}(?:[,.]\d{3})+(?:[.,]\d{1,2})?|\d+[.,]\d{1,2}")
_CURRENCY_SIGNS = "$€£¥₽₹₸₮﷼"
# A value after a cue: letters/digits joined by . _ - / (usernames, "55-120-884").
_VALUE = regex.compile(r"[\p{L}\p{N}](?:[\p{L}\p{N}._\-/]*[\p{L}\p{N}])?")
# user names like cminh730: 3+ letters then 3+ digits, as one word.
_HANDLE = regex.compile(r"(?<![\p{L}\p{N}@._\-])\p{L}[\p{L}._]{2,}\p{N}{3,}(?![\p{L}\p{N}@])")


@recognizer("account_cue", kinds=("ACCOUNT",))
def find_cued(context: Context) -> Iterator[Entity]:
    tokens, pack = context.tokens, context.pack
    i = 0
    while i < len(tokens):
        cue = next((c for c in pack.account_cues if _starts(tokens, i, c)), None)
        if cue is None:
            i += 1
            continue
        j = i + len(cue)
        while j < len(tokens) and tokens[j].norm in pack.account_cue_skip:
            j += 1
        if j < len(tokens):
            labelled = ":" in context.text[tokens[j - 1].end:tokens[j].start]
            span = _value(context, tokens[j], labelled)
            if span is not None:
                yield context.entity(*span, "ACCOUNT", "account_cue")
        i = j


def _starts(tokens: tuple[Token, ...], i: int, cue: tuple[str, ...]) -> bool:
    return tuple(t.norm for t in tokens[i:i + len(cue)]) == cue


def _value(context: Context, token: Token, labelled: bool) -> tuple[int, int] | None:
    """The identifier starting at `token`: a digit run, or one word with a digit in it (any
    word after an explicit "label:")."""
    run = next((r for r in context.runs if r.start == token.start), None)
    if run is not None:
        word = _VALUE.match(context.text, token.start)
        if word is not None and word.end() > run.end and _has_letter(word.group()):
            return word.start(), word.end()  # "12ab34": a code, not a number
        if len(run.digits) >= (MIN_CUE_DIGITS - 1 if labelled else MIN_CUE_DIGITS):
            return run.start, run.end
        return None
    word = _VALUE.match(context.text, token.start)
    if word is None or token.norm in context.pack.stopwords:
        return None
    if any(c.isdigit() for c in word.group()) or (labelled and len(word.group()) >= 3):
        return word.start(), word.end()
    return None


def _has_letter(text: str) -> bool:
    return any(c.isalpha() for c in text)


@recognizer("account_number", kinds=("ACCOUNT",))
def find_long_numbers(context: Context) -> Iterator[Entity]:
    for run in context.runs:
        if len(run.digits) >= MIN_RUN_DIGITS and not _date_time_or_amount(context, run) \
                and not _not_an_account(context, run):
            yield context.entity(run.start, run.end, "ACCOUNT", "account_number")


_RANGE_GAP = re.compile(r"\s+[-\u2010-\u2015~]\s+")
MAX_RANGE_DIGITS = 4
_THING_NUMBER = re.compile(r"(?i)(?:\bno\.?|#|№)\s*$")


def _not_an_account(context: Context, run: DigitRun) -> bool:
    digits = run.digits
    if in_url_or_version(context, run.start, run.end) or placeholder_digits(digits):
        return True
    if len(run.units) == 2 and all(len(u.digits) <= MAX_RANGE_DIGITS for u in run.units) \
            and _RANGE_GAP.fullmatch(context.text[run.units[0].end:run.units[1].start]):
        return True  # "400 - 500": a range
    before = context.text[:run.start]
    if before.rstrip().endswith("+") or _THING_NUMBER.search(before):
        return True
    if object_labelled(context, run.start, run.end):
        return True
    return services_number(context, run.start, run.end, digits) \
        or organisations_number(context, run.start, run.end, digits)




def _date_time_or_amount(context: Context, run: DigitRun) -> bool:
    raw = context.text[run.start:run.end].strip()
    if _AMOUNT.fullmatch(raw):  # dates and times are never in a run (digits.py)
        return True
    before = context.text[max(0, run.start - 2):run.start]
    after = context.text[run.end:run.end + 2]
    if any(c in _CURRENCY_SIGNS for c in before + after):
        return True
    following = next((t for t in context.tokens if t.start >= run.end), None)
    return following is not None and following.norm in context.pack.currencies


@recognizer("account_handle", kinds=("ACCOUNT",))
def find_handles(context: Context) -> Iterator[Entity]:
    for match in _HANDLE.finditer(context.text):
        letters = "".join(c for c in match.group() if c.isalpha())
        if len(letters) < MIN_HANDLE_LETTERS or letters.isupper() \
                or in_url_or_version(context, match.start(), match.end()):
            continue  # "No.2977", "ABC123" (a model or channel), "www.shop123.com"
        yield context.entity(match.start(), match.end(), "ACCOUNT", "account_handle")


MIN_HANDLE_LETTERS = 3
