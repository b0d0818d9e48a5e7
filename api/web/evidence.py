"""Evidence spans in a turn's text: the text cut at every span boundary, each piece with the
criteria whose evidence covers it (rendered as <mark data-criteria="..."> so that selecting a
criterion lights its spans; spans of several criteria may overlap)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from api.schemas.conversations import ScoreRunOut


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    criterion: str


@dataclass(frozen=True)
class Piece:
    text: str
    criteria: tuple[str, ...]
    """Empty: plain text."""


def spans_by_turn(run: ScoreRunOut | None, turn_lengths: list[int]) -> dict[int, list[Span]]:
    """Each turn's evidence spans (an evidence item without a span covers its whole turn;
    offsets are clipped to the text)."""
    found: dict[int, list[Span]] = defaultdict(list)
    if run is None:
        return found
    for name, criterion in run.criteria.items():
        for item in criterion.evidence:
            if item.turn is None or not 0 <= item.turn < len(turn_lengths):
                continue
            length = turn_lengths[item.turn]
            start = min(max(item.start or 0, 0), length)
            end = min(max(item.end if item.end is not None else length, start), length)
            if end > start:
                found[item.turn].append(Span(start, end, name))
    return found


def pieces(text: str, spans: list[Span]) -> list[Piece]:
    """The text in pieces, each with the (sorted) criteria covering it."""
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    return [Piece(text[a:b], tuple(sorted({s.criterion for s in spans
                                           if s.start <= a and b <= s.end})))
            for a, b in itertools.pairwise(cuts) if b > a]
