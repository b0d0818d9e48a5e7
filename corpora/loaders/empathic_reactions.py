"""Empathic reactions to news stories (Buechel et al., EMNLP 2018): essays written after
reading a news article, with the writer's own empathic concern and personal distress ratings
(1-7, averaged over questionnaire items)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from corpora.loaders.base import (
    Corpus,
    Licence,
    licence_for,
    parse_int,
    parse_number,
    read_csv_records,
    resolve_sources,
)

CORPUS = "empathic_reactions_buechel2018"
LICENCE: Licence = "ship"
_COLUMNS = ("message_id", "response_id", "article_id", "empathy", "distress", "empathy_bin",
            "distress_bin", "essay")


@dataclass(frozen=True)
class EmpathicEssay:
    message_id: str
    response_id: str
    """The participant's survey response: one writer, several essays (the CV group)."""
    article_id: str
    essay: str
    empathy: float
    distress: float
    empathy_bin: int
    distress_bin: int
    source: str


def load_empathic_reactions(path: str | Path | None = None,
                            licence: Licence | None = None) -> Corpus[EmpathicEssay]:
    """Essays of `messages.csv` or a file in its format (default: the shared copy)."""
    sources = resolve_sources(path, CORPUS, "messages*.csv")
    essays = []
    for source in sources:
        for line, row in read_csv_records(source, _COLUMNS):
            location = f"{source}:{line}"
            essays.append(EmpathicEssay(
                message_id=row["message_id"], response_id=row["response_id"],
                article_id=row["article_id"], essay=row["essay"],
                empathy=parse_number(row["empathy"], "empathy", location),
                distress=parse_number(row["distress"], "distress", location),
                empathy_bin=parse_int(row["empathy_bin"], "empathy_bin", location),
                distress_bin=parse_int(row["distress_bin"], "distress_bin", location),
                source=location))
    return Corpus(CORPUS, licence_for(path, licence, LICENCE), sources, tuple(essays))
