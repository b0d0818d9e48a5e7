"""The store's tables (SQLAlchemy 2). Created only by the Alembic migrations beside this file;
a test checks that these models and the latest migration agree.

Score runs are never changed: rescoring adds a run, and queries read the latest run of the
scorecard version they ask for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None,
                             dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s"})
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime, dict[str, Any]: Json, list[Any]: Json}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Scorecard(Base):
    __tablename__ = "scorecards"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    versions: Mapped[list[ScorecardVersion]] = relationship(
        back_populates="scorecard", order_by="ScorecardVersion.version")


class ScorecardVersion(Base):
    """An immutable version of a scorecard: its YAML as given, and the hash of it."""

    __tablename__ = "scorecard_versions"
    __table_args__ = (UniqueConstraint("scorecard_name", "version"),
                      UniqueConstraint("scorecard_name", "sha256"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scorecard_name: Mapped[str] = mapped_column(ForeignKey("scorecards.name"))
    version: Mapped[int]
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    scorecard: Mapped[Scorecard] = relationship(back_populates="versions")


class SourceFile(Base):
    """An ingested file, kept by content hash (the same bytes are one file)."""

    __tablename__ = "source_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(500))
    size: Mapped[int]
    path: Mapped[str | None] = mapped_column(
        String(500), doc="relative to the files folder; none once the original is deleted")
    original: Mapped[str] = mapped_column(
        String(20), default="plain", server_default="plain",
        doc="what is kept of the upload: plain (not yet read, or redaction off), encrypted, "
            "deleted")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_agent_occurred", "agent_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True,
                                     doc="content key: source hash and position, or JSON hash")
    external_id: Mapped[str] = mapped_column(String(500), index=True)
    source_sha256: Mapped[str | None] = mapped_column(ForeignKey("source_files.sha256"))
    source_name: Mapped[str | None] = mapped_column(String(500))
    audio_sha256: Mapped[str | None] = mapped_column(ForeignKey("source_files.sha256"))
    audio_path: Mapped[str | None] = mapped_column(
        String(500), doc="the recording served, relative to the files folder: the redacted copy")
    channel: Mapped[str] = mapped_column(String(10), index=True)
    language: Mapped[str | None] = mapped_column(String(20), index=True)
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    customer_id: Mapped[str | None] = mapped_column(String(200))
    start_time: Mapped[datetime | None]
    occurred_at: Mapped[datetime] = mapped_column(
        index=True, doc="start_time, else when it was stored: periods and trends use it")
    duration: Mapped[float | None] = mapped_column(Float)
    n_turns: Mapped[int]
    turns: Mapped[list[Any]]
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict, doc="agent name and the like")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Job(Base):
    """Work done outside the request: ingesting files, rescoring a selection."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True)
    payload: Mapped[dict[str, Any]]
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    key_id: Mapped[str | None] = mapped_column(String(32), index=True,
                                               doc="the API key that asked for it")
    worker: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ScoreRun(Base):
    """One scoring of one conversation under one scorecard version; never overwritten."""

    __tablename__ = "score_runs"
    __table_args__ = (
        # A job scores a conversation under a version once, however often it is retried.
        UniqueConstraint("conversation_id", "scorecard_version_id", "job_id"),
        Index("ix_score_runs_version_conversation", "scorecard_version_id", "conversation_id",
              "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    scorecard_version_id: Mapped[int] = mapped_column(ForeignKey("scorecard_versions.id"))
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id"))
    models: Mapped[dict[str, Any]]
    score: Mapped[float | None] = mapped_column(Float, index=True)
    weighted_score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    critical: Mapped[bool] = mapped_column(Boolean, doc="any critical failure")
    critical_failures: Mapped[list[Any]]
    timing: Mapped[dict[str, Any] | None] = mapped_column(Json)
    scoring_seconds: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    results: Mapped[list[CriterionResult]] = relationship(
        order_by="CriterionResult.id", cascade="all, delete-orphan")


class CriterionResult(Base):
    __tablename__ = "criterion_results"
    __table_args__ = (Index("ix_criterion_results_name_passed", "name", "passed"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    applicable: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[Any]]
    details: Mapped[dict[str, Any]]


class ApiKey(Base):
    """An API key: only the hash of its secret is kept. The key's id is public (it prefixes
    the key and names it in the audit log)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    agent_id: Mapped[str | None] = mapped_column(String(200), doc="an agent key's own agent")
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    teams: Mapped[list[ApiKeyTeam]] = relationship(
        order_by="ApiKeyTeam.team_id", cascade="all, delete-orphan", lazy="selectin")


class ApiKeyTeam(Base):
    """A team a supervisor key leads (teams may be named before their agents are stored)."""

    __tablename__ = "api_key_teams"

    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100), primary_key=True)


class AuditEvent(Base):
    """Who (key, role) did what to which object, when, and how it ended: every change, every
    read of personal data, every refusal."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    key_id: Mapped[str | None] = mapped_column(String(32), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(200), doc="method and route, or a CLI command")
    object_type: Mapped[str | None] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20), index=True,
                                         doc="allowed, refused (401/403/429) or failed")
    status: Mapped[int | None]
    client: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ReviewItem(Base):
    """A conversation the scorecard's flag rules sent to people: one per conversation and
    scorecard version, raised by the run that flagged it. State: open, claimed (by a key, one
    reviewer at a time), reviewed."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("conversation_id", "scorecard_version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id"))
    scorecard_version_id: Mapped[int] = mapped_column(ForeignKey("scorecard_versions.id"),
                                                      index=True)
    reasons: Mapped[list[Any]] = mapped_column(doc="flag reasons (scorer/flags.py codes)")
    state: Mapped[str] = mapped_column(String(20), index=True, default="open")
    claimed_by: Mapped[str | None] = mapped_column(String(32), doc="the reviewer's key id")
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Review(Base):
    """A person's review of a conversation's run: per criterion agree, or a corrected verdict
    and score, with a comment; an overall note. The machine's run is never changed."""

    __tablename__ = "reviews"
    # One review per reviewer and conversation in a calibration session (ordinary reviews,
    # with no session, are not limited: NULLs never clash).
    __table_args__ = (UniqueConstraint("calibration_session_id", "conversation_id",
                                       "reviewer_key_id",
                                       name="uq_reviews_session_conversation_reviewer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id"))
    reviewer_key_id: Mapped[str | None] = mapped_column(String(32), index=True)
    reviewer_role: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    criteria: Mapped[dict[str, Any]] = mapped_column(
        doc="criterion -> {agree, passed, score, comment}")
    score: Mapped[float | None] = mapped_column(Float, doc="the reviewed (effective) score")
    passed: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    calibration_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("calibration_sessions.id"), index=True,
        doc="given inside a calibration session: calibration only, never the conversation's "
            "effective review")


class Dispute(Base):
    """An agent's dispute of a review, and QA's resolution of it."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    agent_key_id: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalibrationSession(Base):
    """A blind calibration session: named reviewers review the same conversations under one
    scorecard version; while it is open no reviewer sees another's reviews of it. State: open,
    closed."""

    __tablename__ = "calibration_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scorecard_version_id: Mapped[int] = mapped_column(ForeignKey("scorecard_versions.id"))
    created_by: Mapped[str | None] = mapped_column(String(32), doc="the creator's key id")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None]
    conversations: Mapped[list[CalibrationConversation]] = relationship(
        order_by="CalibrationConversation.conversation_id", cascade="all, delete-orphan",
        lazy="selectin")
    reviewers: Mapped[list[CalibrationReviewer]] = relationship(
        order_by="CalibrationReviewer.key_id", cascade="all, delete-orphan", lazy="selectin")


class CalibrationConversation(Base):
    __tablename__ = "calibration_session_conversations"

    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id"),
                                            primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"),
                                                 primary_key=True)


class CalibrationReviewer(Base):
    __tablename__ = "calibration_session_reviewers"

    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id"),
                                            primary_key=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), primary_key=True,
                                        index=True)
