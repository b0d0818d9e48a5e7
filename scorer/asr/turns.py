"""Recognised segments, each with a speaker and role, into the turns of a Conversation."""

from __future__ import annotations

from dataclasses import dataclass

from scorer.asr.results import RecognizedSegment
from scorer.conversation import Role, Turn, WordTiming


@dataclass(frozen=True, slots=True)
class Attributed:
    """A segment and who said it."""

    segment: RecognizedSegment
    speaker: str
    role: Role


def build_turns(attributed: list[Attributed], turn_gap: float) -> list[Turn]:
    """Turns in order of their start; a speaker's consecutive segments closer than `turn_gap`
    seconds, with nobody else starting to speak in between, make one turn. Overlapping speech
    stays as two turns whose times overlap."""
    groups: list[list[Attributed]] = []
    for item in sorted(attributed, key=lambda a: (a.segment.start, a.segment.end)):
        previous = groups[-1] if groups else None
        if (previous is not None and previous[-1].speaker == item.speaker
                and item.segment.start - previous[-1].segment.end <= turn_gap):
            previous.append(item)
        else:
            groups.append([item])
    return [_turn(group) for group in groups]


def _turn(group: list[Attributed]) -> Turn:
    segments = [a.segment for a in group]
    words = [
        WordTiming(word=w.text.strip(), start=w.start, end=max(w.end, w.start),
                   probability=min(max(w.probability, 0.0), 1.0))
        for s in segments for w in s.words if w.text.strip()
    ]
    return Turn(
        role=group[0].role,
        speaker=group[0].speaker,
        text=" ".join(s.text.strip() for s in segments),
        start=segments[0].start,
        end=max(s.end for s in segments),
        words=words,
        language=segments[0].language,
    )
