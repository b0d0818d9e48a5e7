"""Digit runs: a turn's numbers as digit strings with their character spans, however written.

ASR and people write one number in many ways: "4532015112830366", "4532 0151 1283 0366",
"(977) 625-2661", "four five three two ...", "double five", Eastern Arabic "٤٥٣٢" or Persian
"۴۵۳۲", or a mix. Every recogniser of numbers (card, phone, account, national id) reads the
same runs, so all of them work on spoken forms too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from scorer.redaction.packs import Pack
from scorer.text import Token, tokenize

# What may stand between the groups of one number: spaces, commas, dashes, dots, brackets.
_SEPARATOR = re.compile(r"[\s,\-\u2010-\u2015./()]{0,4}")
MAX_UNITS = 40  # a run longer than this is a table or a list, not one number
# Dates and clock times in any script's digits: no number runs through them.
_DATE = re.compile(r"(?<!\d)(?:(?P<y>\d{4})[-/.](?P<a>\d{1,2})[-/.](?P<b>\d{1,2})"
                   r"|(?P<c>\d{1,2})[-/.](?P<d>\d{1,2})[-/.](?:\d{4}|\d{2}))(?!\d)")
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")


@dataclass(frozen=True, slots=True)
class Unit:
    """One token's digits: "4532" (written) or "5" from "five" or "55" from "double five"."""

    digits: str
    start: int
    end: int
    spoken: bool


@dataclass(frozen=True, slots=True)
class Window:
    """A token-aligned part of a run: its digits and character span."""

    digits: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class DigitRun:
    units: tuple[Unit, ...]

    @property
    def digits(self) -> str:
        return "".join(u.digits for u in self.units)

    @property
    def start(self) -> int:
        return self.units[0].start

    @property
    def end(self) -> int:
        return self.units[-1].end

    @property
    def spoken(self) -> bool:
        return any(u.spoken for u in self.units)

    def windows(self, lengths: range | Sequence[int]) -> Iterator[Window]:
        """Token-aligned sub-runs whose digit count is in `lengths`, longest first, then
        leftmost."""
        found: list[Window] = []
        for i in range(len(self.units)):
            digits = ""
            for j in range(i, len(self.units)):
                digits += self.units[j].digits
                if len(digits) in lengths:
                    found.append(Window(digits, self.units[i].start, self.units[j].end))
                if len(digits) > max(lengths):
                    break
        yield from sorted(found, key=lambda w: (-len(w.digits), w.start))

    def pick(self, lengths: range | Sequence[int],
             accept: Callable[[Window], bool]) -> list[Window]:
        """Non-overlapping accepted windows, longest first."""
        chosen: list[Window] = []
        for window in self.windows(lengths):
            if all(window.end <= c.start or window.start >= c.end for c in chosen) \
                    and accept(window):
                chosen.append(window)
        return chosen


def written_digits(text: str) -> str | None:
    """ASCII digits of a token written in any script's decimal digits (٤, ۴), else None."""
    values = [unicodedata.decimal(c, None) for c in text]
    if not values or any(v is None for v in values):
        return None
    return "".join(str(v) for v in values)


def _unit(tokens: Sequence[Token], i: int, text: str, pack: Pack) -> tuple[Unit, int] | None:
    """The unit starting at token i and how many tokens it takes."""
    token = tokens[i]
    written = written_digits(text[token.start:token.end])
    if written is not None:
        return Unit(written, token.start, token.end, spoken=False), 1
    if token.norm in pack.digit_words:
        if i + 1 < len(tokens) and tokens[i + 1].norm in pack.count_nouns:
            return None  # "three times", "two days": a count, not a digit
        return Unit(str(pack.digit_words[token.norm]), token.start, token.end, True), 1
    times = pack.multipliers.get(token.norm)
    if times and i + 1 < len(tokens) and text[token.end:tokens[i + 1].start].isspace():
        following = _unit(tokens, i + 1, text, pack)
        if following is not None and len(following[0].digits) == 1:
            return Unit(following[0].digits * times, token.start, following[0].end, True), 2
    return None


def dates_and_times(text: str) -> list[tuple[int, int]]:
    """Spans of dates (2019-11-06, 06.11.2019, ١٤٠٢/٠٨/١٥) and times (10:30)."""
    spans = [m.span() for m in _TIME.finditer(text)]
    for match in _DATE.finditer(text):
        first, second = (match["a"], match["b"]) if match["y"] else (match["c"], match["d"])
        day_month = sorted(int(written_digits(v) or 99) for v in (first, second))
        if 1 <= day_month[0] <= 12 and 1 <= day_month[1] <= 31:
            spans.append(match.span())
    return spans


def digit_runs(text: str, pack: Pack) -> list[DigitRun]:
    """Every run of digit units joined only by separators, in text order; digits of dates
    and times are in none."""
    dates = dates_and_times(text)
    tokens = [t for t in tokenize(text)
              if not any(start <= t.start < end for start, end in dates)]
    runs: list[DigitRun] = []
    current: list[Unit] = []
    i = 0
    while i < len(tokens):
        found = _unit(tokens, i, text, pack)
        if found is None:
            i += 1
            if current:
                runs.append(DigitRun(tuple(current)))
                current = []
            continue
        unit, taken = found
        joined = bool(current) and _SEPARATOR.fullmatch(text[current[-1].end:unit.start])
        if current and (not joined or len(current) >= MAX_UNITS):
            runs.append(DigitRun(tuple(current)))
            current = []
        current.append(unit)
        i += taken
    if current:
        runs.append(DigitRun(tuple(current)))
    return runs
