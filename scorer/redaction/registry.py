"""Recognisers registered by name (spaCy-style): each is a small function from a turn's
`Context` to the entities it finds. `Redactor` runs the ones whose kinds it was asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from scorer.conversation import Role
from scorer.redaction.digits import DigitRun, dates_and_times, digit_runs
from scorer.redaction.model import Entity
from scorer.redaction.packs import Pack
from scorer.text import Token, tokenize


class Context:
    """One text to search, with what is known about it; tokens and digit runs computed once
    and shared by all recognisers."""

    def __init__(self, text: str, language: str | None, pack: Pack, role: Role | None,
                 known_names: Sequence[str] = (), own_names: Sequence[str] = ()) -> None:
        self.text = text
        self.language = language
        self.pack = pack
        self.role = role
        self.known_names = known_names
        self.own_names = own_names

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        return tokenize(self.text)

    @cached_property
    def runs(self) -> list[DigitRun]:
        return digit_runs(self.text, self.pack)

    @cached_property
    def dates(self) -> list[tuple[int, int]]:
        """Spans of dates and clock times: no number recogniser takes them."""
        return dates_and_times(self.text)

    def in_date(self, start: int, end: int) -> bool:
        return any(start < e and s < end for s, e in self.dates)

    @cached_property
    def digit_count(self) -> int:
        return sum(len(r.digits) for r in self.runs)

    def entity(self, start: int, end: int, kind: str, recognizer: str) -> Entity:
        return Entity(start, end, kind, self.text[start:end], recognizer)


Recognize = Callable[[Context], Iterable[Entity]]


@dataclass(frozen=True, slots=True)
class Recognizer:
    name: str
    kinds: tuple[str, ...]
    find: Recognize


RECOGNIZERS: dict[str, Recognizer] = {}


def recognizer(name: str, kinds: tuple[str, ...]) -> Callable[[Recognize], Recognize]:
    """Register a recogniser under `name`, finding entities of `kinds`."""

    def register(find: Recognize) -> Recognize:
        if name in RECOGNIZERS:
            raise ValueError(f"recogniser {name!r} is registered twice")
        RECOGNIZERS[name] = Recognizer(name, kinds, find)
        return find

    return register
