"""IBANs, with or without the spaces of their printed groups, checked by python-stdnum."""

from __future__ import annotations

from collections.abc import Iterator

import regex
from stdnum import iban
from stdnum.iso7064 import mod_97_10

from scorer.redaction.model import Entity
from scorer.redaction.registry import Context, recognizer

# Country, check digits, then up to 30 letters or digits, optionally in groups.
_CANDIDATE = regex.compile(r"(?<![\p{L}\p{N}])[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,30}",
                           flags=regex.IGNORECASE)


# IBANs of countries outside the SWIFT registry that python-stdnum reads: Iran's Sheba number
# (IR + 24 digits, Central Bank of Iran), everyday in Persian customer service.
_UNREGISTERED_LENGTHS = {"IR": 26}


def is_iban(compact: str) -> bool:
    if _UNREGISTERED_LENGTHS.get(compact[:2]) == len(compact):
        return compact[2:].isdigit() and mod_97_10.is_valid(compact[4:] + compact[:4])
    return iban.is_valid(compact)


@recognizer("iban", kinds=("IBAN",))
def find_ibans(context: Context) -> Iterator[Entity]:
    for match in _CANDIDATE.finditer(context.text):
        # The match may run into the next word's letters: the longest valid prefix that ends
        # at a word boundary is the IBAN.
        positions = [match.start() + i for i, c in enumerate(match.group()) if c.isalnum()]
        compact = "".join(c for c in match.group() if c.isalnum()).upper()
        for length in range(len(compact), 14, -1):
            end = positions[length - 1] + 1
            if end < len(context.text) and context.text[end].isalnum():
                continue
            if is_iban(compact[:length]):
                yield context.entity(match.start(), end, "IBAN", "iban")
                break
