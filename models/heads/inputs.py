"""What a head reads: a turn's text, optionally with its place in the conversation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TurnInput:
    """One turn to classify. Context fields are None where the source has no conversation
    (a single request, a formula phrase); features that need them then read as absent."""

    text: str
    previous: str | None = None
    """The text of the turn before, by any speaker."""
    index: int | None = None
    """Position from the start of the conversation, 0-based."""
    remaining: int | None = None
    """How many turns follow this one."""


def as_turn_inputs(inputs: Sequence[str | TurnInput]) -> list[TurnInput]:
    """Plain strings become context-free turns."""
    if isinstance(inputs, str):
        raise TypeError("expected a sequence of texts or TurnInputs, not one string")
    return [item if isinstance(item, TurnInput) else TurnInput(str(item)) for item in inputs]


def text_pair(first: str, second: str) -> str:
    """Two texts as one encoder input (e.g. a customer turn and the agent's response):
    the formatter for pair tasks, so they need no head of their own."""
    return f"{first.strip()}\n\n{second.strip()}"


def dialogue_input(turns: Sequence[tuple[str, str]]) -> TurnInput:
    """A whole dialogue, `(speaker, text)` per turn, as one encoder input with one
    `Speaker: text` line per non-empty turn. The ending goes first: the encoder truncates long
    inputs, and how a dialogue ends says most about satisfaction."""
    lines = [f"{speaker}: {text}" for speaker, text in turns if text.strip()]
    return TurnInput("\n".join([*lines[-2:], *lines[:-2]]), index=0,
                     remaining=max(len(turns) - 1, 0))
