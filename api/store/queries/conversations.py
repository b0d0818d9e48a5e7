"""Listing conversations with cursor pages, and one conversation with its latest run."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from api.store import tables
from api.store.queries.filters import MAX_LIMIT, Filters, QueryError, _scored
from api.store.queries.reviews import latest_review
from scorer.criteria.base import CriterionResult
from scorer.scoring import ConversationScore

# --- listing with cursor pagination ----------------------------------------------------------

@dataclass
class ScoredConversation:
    conversation: tables.Conversation
    run: tables.ScoreRun


@dataclass
class Page:
    items: list[ScoredConversation]
    next_cursor: str | None


def encode_cursor(occurred_at: datetime, conversation_id: int) -> str:
    raw = json.dumps([occurred_at.astimezone(UTC).isoformat(), conversation_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(occurred_at, id) of the last item of the previous page; QueryError when it is not a
    cursor this API gave."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, last_id = json.loads(raw)
        occurred_at = datetime.fromisoformat(when)
        if (occurred_at.tzinfo is None or not isinstance(last_id, int)
                or isinstance(last_id, bool) or not 0 < last_id < 2**63):
            raise ValueError("not a cursor")
        return occurred_at.astimezone(UTC), last_id
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError) as exc:
        raise QueryError("not a cursor of this listing; use next_cursor of the previous page",
                         location="cursor") from exc


def list_conversations(session: Session, version_id: int, filters: Filters,
                       cursor: str | None = None, limit: int = 50,
                       with_results: bool = False) -> Page:
    """One page of the selected conversations scored under the version, newest first
    (occurred_at, then id, descending: stable while conversations are added)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"must be between 1 and {MAX_LIMIT}", location="limit")
    filters = filters.checked()
    c = tables.Conversation
    query = _scored(version_id, filters, c, tables.ScoreRun)
    if cursor is not None:
        occurred_at, last_id = decode_cursor(cursor)
        query = query.where(or_(c.occurred_at < occurred_at,
                                and_(c.occurred_at == occurred_at, c.id < last_id)))
    query = query.order_by(c.occurred_at.desc(), c.id.desc()).limit(limit + 1)
    if with_results:
        query = query.options(selectinload(tables.ScoreRun.results))
    rows = [ScoredConversation(conversation, run)
            for conversation, run in session.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].conversation if rows else None
    return Page(rows, encode_cursor(last.occurred_at, last.id) if more and last else None)


# --- one conversation ------------------------------------------------------------------------

@dataclass
class RunRef:
    id: int
    scorecard: str
    version: int
    created_at: datetime
    score: float | None


@dataclass
class ConversationDetail:
    conversation: tables.Conversation
    agent: tables.Agent | None
    run: tables.ScoreRun | None
    """The run shown: the one asked for, else the latest under the scorecard version."""
    version: tables.ScorecardVersion | None
    """The scorecard version of `run`."""
    runs: list[RunRef]
    """Every run of the conversation, under every scorecard version, oldest first."""
    review: tables.Review | None = None
    """The conversation's effective review: its latest outside calibration sessions
    (api/store/queries/reviews.py `latest_review`)."""


def conversation_detail(session: Session, conversation_id: int, version_id: int,
                        run_id: int | None = None) -> ConversationDetail | None:
    """The conversation with its latest run under the version (or run `run_id` of it);
    None when there is no such conversation. QueryError when `run_id` is not one of its runs."""
    conversation = session.get(tables.Conversation, conversation_id)
    if conversation is None:
        return None
    v = tables.ScorecardVersion
    refs = [RunRef(id=i, scorecard=name, version=number, created_at=created, score=score)
            for i, name, number, created, score in session.execute(
                select(tables.ScoreRun.id, v.scorecard_name, v.version,
                       tables.ScoreRun.created_at, tables.ScoreRun.score)
                .join(v, v.id == tables.ScoreRun.scorecard_version_id)
                .where(tables.ScoreRun.conversation_id == conversation_id)
                .order_by(tables.ScoreRun.id))]
    if run_id is not None:
        if run_id not in {r.id for r in refs}:
            raise QueryError(f"conversation {conversation_id} has no run {run_id}",
                             location="run")
        shown: int | None = run_id
    else:
        shown = session.scalar(select(func.max(tables.ScoreRun.id)).where(
            tables.ScoreRun.conversation_id == conversation_id,
            tables.ScoreRun.scorecard_version_id == version_id))
    run = None
    if shown is not None:
        run = session.scalar(select(tables.ScoreRun).where(tables.ScoreRun.id == shown)
                             .options(selectinload(tables.ScoreRun.results)))
    version = session.get(v, run.scorecard_version_id) if run is not None else None
    agent = session.get(tables.Agent, conversation.agent_id) if conversation.agent_id else None
    return ConversationDetail(conversation, agent, run, version, refs,
                              latest_review(session, conversation_id))


def audio_file(session: Session, conversation_id: int) -> tuple[tables.Conversation | None,
                                                               tables.SourceFile | None]:
    """The conversation and the stored audio file it was transcribed from (None: no audio)."""
    conversation = session.get(tables.Conversation, conversation_id)
    if conversation is None or conversation.audio_sha256 is None:
        return conversation, None
    return conversation, session.get(tables.SourceFile, conversation.audio_sha256)


def to_score(conversation: tables.Conversation, run: tables.ScoreRun) -> ConversationScore:
    """The scorer's score of a stored run (what `iqs score` would have printed)."""
    return ConversationScore.model_validate({
        "id": conversation.external_id, "agent_id": conversation.agent_id,
        "channel": conversation.channel, "language": conversation.language,
        "score": run.score, "weighted_score": run.weighted_score, "passed": run.passed,
        "critical_failures": run.critical_failures, "timing": run.timing,
        "source": conversation.source_name,
        "criteria": {r.name: CriterionResult(
            name=r.name, score=r.score, passed=r.passed, applicable=r.applicable,
            confidence=r.confidence, details=r.details,
            evidence=[{"turn": None, **e} for e in r.evidence])
            for r in run.results}})
