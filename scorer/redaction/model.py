"""What redaction finds and what it returns: the kinds of personal data, entities, results."""

from __future__ import annotations

from dataclasses import dataclass

from scorer.conversation import Conversation

KINDS: tuple[str, ...] = ("CARD", "PHONE", "EMAIL", "IBAN", "ACCOUNT", "NATIONAL_ID", "NAME")


@dataclass(frozen=True, slots=True)
class Entity:
    """One piece of personal data: a character span of the ORIGINAL text."""

    start: int
    end: int
    kind: str
    text: str
    recognizer: str


@dataclass(frozen=True)
class Redaction:
    """A redacted copy of a conversation and what was taken out of it."""

    conversation: Conversation
    entities: list[tuple[int, Entity]]
    """(turn index, entity in the original turn text)."""
    silence: list[tuple[float, float]]
    """Merged time intervals (seconds) to silence in the call audio."""
    counts: dict[str, int]
    """Entities per kind (every kind the redactor looks for, zeros included)."""
