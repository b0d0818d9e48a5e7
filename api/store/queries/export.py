"""Streamed exports: conversations with their latest run, in batches, as CSV or JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.store import tables
from api.store.queries.conversations import ScoredConversation, list_conversations, to_score
from api.store.queries.filters import EXPORT_BATCH, Filters
from scorer.batch import ScoreReport
from scorer.report import to_csv

# --- export ----------------------------------------------------------------------------------

def export_batches(sessions: sessionmaker[Session], version_id: int, filters: Filters,
                   batch: int = EXPORT_BATCH) -> Iterator[list[ScoredConversation]]:
    """Every selected conversation with its latest run and criterion results, newest first,
    `batch` at a time (keyset pagination, a short session per batch: an export of any size
    holds one batch in memory)."""
    cursor: str | None = None
    while True:
        with sessions() as session:
            page = list_conversations(session, version_id, filters, cursor, batch,
                                      with_results=True)
        if page.items:
            yield page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


EXPORT_EXTRA_COLUMNS = ("conversation_id", "occurred_at", "run_id")


def csv_chunks(batches: Iterable[list[ScoredConversation]], scorecard: str) -> Iterator[str]:
    """CSV text, a batch at a time: the columns of `iqs score --format csv` (scorer.report's
    to_csv: a score and a passed column per criterion), then the store's conversation id,
    time and run id."""
    header: list[str] | None = None
    for items in batches:
        report = ScoreReport(scorecard=scorecard, agents=[], failures=[],
                             conversations=[to_score(i.conversation, i.run) for i in items])
        reader = csv.DictReader(io.StringIO(to_csv(report)))
        out = io.StringIO()
        if header is None:
            header = [*(reader.fieldnames or []), *EXPORT_EXTRA_COLUMNS]
            csv.writer(out).writerow(header)
        writer = csv.DictWriter(out, fieldnames=header, restval="", extrasaction="ignore")
        for item, row in zip(items, reader, strict=True):
            writer.writerow({**row, "conversation_id": item.conversation.id,
                             "occurred_at": item.conversation.occurred_at.isoformat(),
                             "run_id": item.run.id})
        yield out.getvalue()
    if header is None:  # nothing selected: the header alone
        empty = ScoreReport(scorecard=scorecard, conversations=[], agents=[], failures=[])
        first = next(csv.reader(io.StringIO(to_csv(empty))))
        out = io.StringIO()
        csv.writer(out).writerow([*first, *EXPORT_EXTRA_COLUMNS])
        yield out.getvalue()


def jsonl_record(item: ScoredConversation, version: tables.ScorecardVersion) -> dict[str, Any]:
    """One conversation as `iqs score --format json` gives it, with the store's ids, its time,
    the scorecard version and its turns."""
    conversation, run = item.conversation, item.run
    return {"conversation_id": conversation.id, "occurred_at": conversation.occurred_at.isoformat(),
            "run_id": run.id, "scorecard": version.scorecard_name, "version": version.version,
            **to_score(conversation, run).model_dump(mode="json"),
            "turns": conversation.turns}


def jsonl_chunks(batches: Iterable[list[ScoredConversation]],
                 version: tables.ScorecardVersion) -> Iterator[str]:
    for items in batches:
        yield "".join(json.dumps(jsonl_record(item, version), ensure_ascii=False) + "\n"
                      for item in items)
