"""Scorer objects into rows and back: conversations (idempotent by content key), agents, and
score runs with every criterion result."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.store import tables
from api.store.scorecards import parse_content
from api.store.tables import utcnow
from scorer import __version__
from scorer.conversation import Conversation
from scorer.flags import FlagRules, flag_reasons
from scorer.scoring import ConversationScore


def conversation_key(source_sha256: str, index: int) -> str:
    """The content key: the same file read again gives the same conversations."""
    return hashlib.sha256(f"{source_sha256}:{index}".encode()).hexdigest()


def ensure_agent(session: Session, agent_id: str, display_name: str | None) -> None:
    agent = session.get(tables.Agent, agent_id)
    if agent is None:
        try:
            with session.begin_nested():
                session.add(tables.Agent(id=agent_id, display_name=display_name))
        except IntegrityError:
            pass  # added by a concurrent import
    elif display_name and not agent.display_name:
        agent.display_name = display_name


def store_conversation(session: Session, conversation: Conversation, key: str,
                       source: tables.SourceFile | None, audio_path: str | None = None,
                       redactions: dict[str, int] | None = None,
                       ) -> tuple[tables.Conversation, bool]:
    """(row, created): the stored conversation of `key`, added when new. `audio_path`: the
    recording to serve (of a call read from `source`); `redactions`: personal data redacted
    from it, by kind."""
    existing = session.scalar(select(tables.Conversation).where(tables.Conversation.key == key))
    if existing is not None:
        return existing, False
    if conversation.agent_id:
        ensure_agent(session, conversation.agent_id, conversation.agent_name)
    ends = [t.end for t in conversation.turns if t.end is not None]
    row = tables.Conversation(
        key=key, external_id=conversation.id,
        source_sha256=source.sha256 if source else None,
        source_name=source.filename if source else conversation.source,
        audio_sha256=source.sha256 if source and audio_path else None, audio_path=audio_path,
        channel=conversation.channel.value, language=conversation.language,
        agent_id=conversation.agent_id, customer_id=conversation.customer_id,
        start_time=conversation.start_time, occurred_at=conversation.start_time or utcnow(),
        duration=max(ends) if ends else None, n_turns=len(conversation.turns),
        turns=[t.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
               for t in conversation.turns],
        meta={**({"agent_name": conversation.agent_name} if conversation.agent_name else {}),
              **({"redactions": redactions} if redactions is not None else {})})
    session.add(row)
    session.flush()
    return row, True


def to_conversation(row: tables.Conversation) -> Conversation:
    """The scorer's conversation of a stored row (to score it again)."""
    return Conversation.model_validate({
        "id": row.external_id, "channel": row.channel, "agent_id": row.agent_id,
        "agent_name": row.meta.get("agent_name"), "customer_id": row.customer_id,
        "start_time": row.start_time, "language": row.language, "turns": row.turns,
        "source": row.source_name})


def has_run(session: Session, conversation_id: int, version_id: int,
            job_id: str | None = None) -> bool:
    """Whether the conversation has a run under the version (by that job, when given)."""
    query = select(tables.ScoreRun.id).where(
        tables.ScoreRun.conversation_id == conversation_id,
        tables.ScoreRun.scorecard_version_id == version_id)
    if job_id is not None:
        query = query.where(tables.ScoreRun.job_id == job_id)
    return session.scalar(query.limit(1)) is not None


def models_used(score: ConversationScore, extra: dict[str, Any] | None = None,
                ) -> dict[str, Any]:
    """The versions behind a score: IQS, each criterion's learned model, and the ASR model."""
    criteria = {name: result.details["model"] for name, result in score.criteria.items()
                if isinstance(result.details.get("model"), str)}
    return {"iqs": __version__, "criteria": criteria, **(extra or {})}


def store_score(session: Session, conversation_id: int, version_id: int,
                score: ConversationScore, job_id: str | None, seconds: float,
                models: dict[str, Any]) -> tables.ScoreRun:
    run = tables.ScoreRun(
        conversation_id=conversation_id, scorecard_version_id=version_id, job_id=job_id,
        models=models, score=score.score, weighted_score=score.weighted_score,
        passed=score.passed, critical=bool(score.critical_failures),
        critical_failures=list(score.critical_failures),
        timing=score.timing.model_dump(mode="json") if score.timing else None,
        scoring_seconds=seconds, created_at=utcnow(),
        results=[tables.CriterionResult(
            name=name, score=r.score, passed=r.passed, applicable=r.applicable,
            confidence=r.confidence,
            evidence=[e.model_dump(mode="json", exclude_none=True) for e in r.evidence],
            details=_jsonable(r.details)) for name, r in score.criteria.items()])
    session.add(run)
    session.flush()
    flag(session, run, score)
    return run


@lru_cache(maxsize=64)
def _flag_rules(content: str, location: str) -> FlagRules:
    return parse_content(content, location).flags


def flag_rules(version: tables.ScorecardVersion) -> FlagRules:
    """The flag rules of a scorecard version."""
    return _flag_rules(version.content, f"scorecard {version.scorecard_name} v{version.version}")


def sample_key(conversation_key: str, version_id: int) -> str:
    """What the calibration sample is drawn from: the conversation and the scorecard version."""
    return f"{conversation_key}:{version_id}"


def flag(session: Session, run: tables.ScoreRun,
         score: ConversationScore) -> tables.ReviewItem | None:
    """Put the run's conversation in the review queue when the scorecard's flag rules flag
    `score`. One item per conversation and scorecard version: a conversation already queued
    under the version keeps its item (scoring again, or a retried job, adds none)."""
    existing = session.scalar(select(tables.ReviewItem).where(
        tables.ReviewItem.conversation_id == run.conversation_id,
        tables.ReviewItem.scorecard_version_id == run.scorecard_version_id))
    if existing is not None:
        return existing
    version = session.get(tables.ScorecardVersion, run.scorecard_version_id)
    conversation = session.get(tables.Conversation, run.conversation_id)
    assert version is not None and conversation is not None
    reasons = flag_reasons(score, flag_rules(version),
                           sample_key(conversation.key, run.scorecard_version_id))
    if not reasons:
        return None
    item = tables.ReviewItem(conversation_id=run.conversation_id, run_id=run.id,
                             scorecard_version_id=run.scorecard_version_id, reasons=reasons,
                             state="open", created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:  # queued by a concurrent run of the same conversation and version
        return None
    return item


def _jsonable(value: Any) -> Any:
    """Details as JSON values (numpy numbers and tuples from criteria become plain ones)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
