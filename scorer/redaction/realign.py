"""Applying entities to a turn: placeholder text, re-aligned word timings, audio to silence."""

from __future__ import annotations

from collections.abc import Sequence

from scorer.conversation import Turn, WordTiming
from scorer.redaction.model import Entity
from scorer.text import tokenize


def replace_spans(text: str, entities: Sequence[Entity], placeholder: str) -> str:
    """`text` with each (sorted, non-overlapping) entity replaced by its placeholder."""
    parts, cursor = [], 0
    for entity in entities:
        parts += [text[cursor:entity.start], placeholder.format(kind=entity.kind)]
        cursor = entity.end
    parts.append(text[cursor:])
    return "".join(parts)


def word_spans(text: str, words: Sequence[WordTiming]) -> list[tuple[int, int] | None]:
    """Where each timed word stands in the turn text, searched in order (ASR text is the
    words joined); None for a word that cannot be found."""
    spans: list[tuple[int, int] | None] = []
    cursor, folded = 0, text.casefold()
    for word in words:
        needle = word.word.strip()
        at = text.find(needle, cursor) if needle else -1
        if at < 0 and needle:
            at = folded.find(needle.casefold(), cursor)
        if at < 0:
            spans.append(None)
            continue
        spans.append((at, at + len(needle)))
        cursor = at + len(needle)
    return spans


def redact_words(turn: Turn, entities: Sequence[Entity],
                 placeholder: str) -> tuple[list[WordTiming], list[tuple[float, float]]]:
    """New word timings and the time spans to silence (one per placeholder word).

    A word overlapping an entity becomes the placeholder; consecutive words of one entity
    become one placeholder word from the first's start to the last's end. A word that cannot
    be located in the text is redacted when one of its words is a word of an entity's text
    (kept otherwise)."""
    words: list[WordTiming] = []
    placeholders: list[int] = []  # indices in `words` of the placeholder words
    previous: Entity | None = None
    entity_words = [{t.norm for t in tokenize(e.text)} for e in entities]
    for word, span in zip(turn.words, word_spans(turn.text, turn.words), strict=True):
        hit = _entity_of(span, word, entities, entity_words)
        if hit is None:
            words.append(word)
        elif hit is previous:
            last = words[-1]
            words[-1] = last.model_copy(update={"end": max(last.end, word.end)})
        else:
            placeholders.append(len(words))
            words.append(WordTiming(word=placeholder.format(kind=hit.kind), start=word.start,
                                    end=word.end))
        previous = hit
    # The placeholder's whole span, pauses between its words included: ASR word edges are
    # approximate and a digit may sit in a gap.
    return words, [(words[i].start, words[i].end) for i in placeholders]


def _entity_of(span: tuple[int, int] | None, word: WordTiming, entities: Sequence[Entity],
               entity_words: list[set[str]]) -> Entity | None:
    for entity, norms in zip(entities, entity_words, strict=True):
        if span is not None and span[0] < entity.end and entity.start < span[1]:
            return entity
        if span is None and any(t.norm in norms for t in tokenize(word.word)):
            return entity
    return None


def merge(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted intervals with overlapping or touching ones joined."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
