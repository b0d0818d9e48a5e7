"""Rescoring a selection of stored conversations under a scorecard version, in chunks; one
run per conversation, job and version (a unique constraint), so a job taken over finishes
once."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from api.jobs.lifecycle import JobInterrupted
from api.jobs.runtime import Runtime
from api.store import records, tables
from api.store.db import transaction

RESCORE_CHUNK = 64


def rescore(runtime: Runtime, job_id: str, payload: dict[str, Any], lost: Any) -> None:
    version_id = int(payload["scorecard_version_id"])
    ids: list[int] = payload["conversation_ids"]
    for start in range(0, len(ids), RESCORE_CHUNK):
        if lost.is_set():
            raise JobInterrupted(job_id)
        chunk = ids[start:start + RESCORE_CHUNK]
        with runtime.sessions() as session:
            version = session.get(tables.ScorecardVersion, version_id)
            assert version is not None
            rows = [row for row in session.scalars(
                select(tables.Conversation).where(tables.Conversation.id.in_(chunk)))
                if not records.has_run(session, row.id, version_id, job_id)]
            conversations = [records.to_conversation(row) for row in rows]
            scorer = runtime.scorer(version)
        with runtime.scoring:
            started = time.perf_counter()
            scores = list(scorer.score_many(conversations))
            each = (time.perf_counter() - started) / max(1, len(rows))
        with transaction(runtime.sessions) as session:
            for row, score in zip(rows, scores, strict=True):
                try:
                    with session.begin_nested():
                        records.store_score(session, row.id, version_id, score, job_id, each,
                                            records.models_used(score))
                except IntegrityError:
                    continue  # scored by the worker this job was taken from
            session.execute(update(tables.Job).where(tables.Job.id == job_id).values(
                progress_done=min(len(ids), start + len(chunk))))
