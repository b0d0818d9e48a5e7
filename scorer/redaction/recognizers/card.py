"""Payment card numbers: 13-19 digits, Luhn-checked, written, grouped or spoken."""

from __future__ import annotations

from collections.abc import Iterator

from stdnum import luhn

from scorer.redaction.digits import Window
from scorer.redaction.model import Entity
from scorer.redaction.registry import Context, recognizer

CARD_LENGTHS = range(13, 20)
# Issuer prefixes start with 2-6 (Mir/Mastercard 2, Amex/JCB/Diners 3, Visa 4, Mastercard 5,
# Discover/UnionPay/Maestro 6): a Luhn-valid order number starting with 0, 1, 7-9 is not one.
_ISSUER_FIRST_DIGITS = "23456"


def is_card(digits: str) -> bool:
    return (digits[0] in _ISSUER_FIRST_DIGITS and len(set(digits)) > 1
            and luhn.is_valid(digits))


@recognizer("card", kinds=("CARD",))
def find_cards(context: Context) -> Iterator[Entity]:
    for run in context.runs:
        if len(run.digits) < CARD_LENGTHS.start:
            continue
        for window in run.pick(CARD_LENGTHS, lambda w: is_card(w.digits)):
            yield _entity(context, window, "card_spoken" if run.spoken else "card")


def _entity(context: Context, window: Window, name: str) -> Entity:
    return context.entity(window.start, window.end, "CARD", name)
