"""Overlapping findings: one entity per stretch of text, the most specific kind first."""

from __future__ import annotations

from collections.abc import Iterable

from scorer.redaction.model import Entity

# Lower ranks win an overlap; within a rank, the longer entity. A value after a cue ("Order
# ID: 3348917502") says what it is better than phonenumbers' guess that 334 is an area code.
_RANKS = {"CARD": 0, "IBAN": 1, "EMAIL": 2, "NATIONAL_ID": 3, "PHONE": 5, "ACCOUNT": 6,
          "NAME": 7}
_RECOGNIZER_RANKS = {"account_cue": 4}
# Same span found twice: the surer source names it (metadata, then a cue, then the model).
_PREFERENCE = ("name_known", "name_cue", "name_ner")


def rank(entity: Entity) -> tuple[int, int, int, int, str]:
    kind_rank = _RECOGNIZER_RANKS.get(entity.recognizer, _RANKS.get(entity.kind, len(_RANKS)))
    preference = (_PREFERENCE.index(entity.recognizer) if entity.recognizer in _PREFERENCE
                  else len(_PREFERENCE))
    return (kind_rank, -(entity.end - entity.start), entity.start, preference,
            entity.recognizer)


# A checksum match (Luhn, a national id's check digit: 1 chance in 10 or 11) inside a longer
# number whose whole format checks out gives way to it: an IBAN (country code and mod-97)
# or an international phone number ("+98 ...", country code and a valid national number).
_CHECKSUM_KINDS = ("CARD", "NATIONAL_ID")


def _whole_format(entity: Entity) -> bool:
    return entity.kind == "IBAN" or (entity.kind == "PHONE"
                                     and entity.text.lstrip().startswith("+"))


def _inside_whole_format(entity: Entity, found: set[Entity]) -> bool:
    return entity.kind in _CHECKSUM_KINDS and any(
        _whole_format(o) and o.start <= entity.start and entity.end <= o.end
        and o.end - o.start > entity.end - entity.start for o in found)


def resolve(entities: Iterable[Entity]) -> list[Entity]:
    """Non-overlapping entities in text order, chosen by rank (a card or national id found
    inside a longer IBAN or international phone number is dropped first)."""
    found = set(entities)
    found = {e for e in found if not _inside_whole_format(e, found)}
    chosen: list[Entity] = []
    for entity in sorted(found, key=rank):
        if entity.end > entity.start and all(
                entity.end <= c.start or entity.start >= c.end for c in chosen):
            chosen.append(entity)
    return sorted(chosen, key=lambda e: e.start)
