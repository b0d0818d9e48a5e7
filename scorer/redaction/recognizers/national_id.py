"""National id numbers where a checksum (or, for Mongolia, a letter format) exists; which
ones a language's turns are searched for is its pack's `national_ids`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex
from stdnum.my import nric
from stdnum.ru import inn
from stdnum.us import ssn

from scorer.redaction import checksums
from scorer.redaction.digits import Window
from scorer.redaction.model import Entity
from scorer.redaction.registry import Context, recognizer

_SSN_LAYOUT = re.compile(r"\d{3}[- ]\d{2}[- ]\d{4}")


@dataclass(frozen=True, slots=True)
class IdFormat:
    lengths: tuple[int, ...]
    valid: Callable[[str, str], bool]
    """(digits, the window's original text) -> is it one."""


FORMATS: dict[str, IdFormat] = {
    # US SSN has no check digit: python-stdnum checks the area/group/serial rules, and only
    # the printed 3-2-4 layout is taken (a bare 9-digit number is an account at most).
    "us_ssn": IdFormat((9,), lambda d, raw: bool(_SSN_LAYOUT.fullmatch(raw))
                       and ssn.is_valid(d)),
    "ru_inn": IdFormat((10, 12), lambda d, raw: inn.is_valid(d)),
    "ru_snils": IdFormat((11,), lambda d, raw: checksums.russian_snils(d)),
    # Malaysian MyKad number: YYMMDD-PB-###G, date and birthplace code checked by stdnum.
    "my_nric": IdFormat((12,), lambda d, raw: nric.is_valid(d)),
    "ir_national_code": IdFormat((10,), lambda d, raw: checksums.iran_national_code(d)),
    "sa_national_id": IdFormat((10,), lambda d, raw: checksums.saudi_national_id(d)),
    "ae_emirates_id": IdFormat((15,), lambda d, raw: checksums.emirates_id(d)),
}
# Mongolian civil register number: two Cyrillic letters and eight digits (birth date and a
# serial). Its check rule involves the letters and is not published, so format only.
_MN_REGISTER = regex.compile(r"(?<![\p{L}\p{N}])[А-ЯЁӨҮа-яёөү]{2}[ -]?\d{8}(?![\p{L}\p{N}])")


@recognizer("national_id", kinds=("NATIONAL_ID",))
def find_national_ids(context: Context) -> Iterator[Entity]:
    wanted = context.pack.national_ids
    if "mn_register" in wanted:
        for match in _MN_REGISTER.finditer(context.text):
            yield context.entity(match.start(), match.end(), "NATIONAL_ID", "mn_register")
    formats = [(name, FORMATS[name]) for name in wanted if name in FORMATS]
    if not formats:
        return
    for run in context.runs:
        for name, layout in formats:
            if len(run.digits) < min(layout.lengths):
                continue

            def accept(window: Window, layout: IdFormat = layout) -> bool:
                raw = context.text[window.start:window.end]
                return layout.valid(window.digits, raw)

            for window in run.pick(layout.lengths, accept):
                yield context.entity(window.start, window.end, "NATIONAL_ID", name)
