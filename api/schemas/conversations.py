"""Stored conversations: the listing, one conversation with its score run, the run history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.reviews import ReviewOut
from api.store import queries
from scorer.conversation import Turn
from scorer.timing import TimingMetrics

_WHEN = "2024-05-09T09:15:00Z"


class ConversationItem(BaseModel):
    """A conversation in a listing, with its latest run under the scorecard version asked for."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 42, "external_id": "web-1001", "agent_id": "a-anna", "channel": "chat",
        "language": "en", "occurred_at": _WHEN, "duration": 61.5, "n_turns": 8,
        "has_audio": False, "source_name": "support_chats.jsonl", "run_id": 57, "score": 98.05,
        "passed": True, "critical_failures": []}]})

    id: int = Field(description="the store's id (GET /v1/conversations/{id})")
    external_id: str = Field(description="the id the source gave it")
    agent_id: str | None
    channel: str = Field(description="call or chat")
    language: str | None
    occurred_at: datetime = Field(description="start time, else when it was stored (UTC)")
    duration: float | None = Field(description="seconds, when turns are timed")
    n_turns: int
    has_audio: bool = Field(description="a call whose recording is kept (…/audio)")
    source_name: str | None = Field(description="the file it was read from")
    run_id: int
    score: float | None = Field(description="0-100; null when no criterion applied")
    passed: bool
    critical_failures: list[str]

    @classmethod
    def of(cls, item: queries.ScoredConversation) -> ConversationItem:
        c, run = item.conversation, item.run
        return cls(id=c.id, external_id=c.external_id, agent_id=c.agent_id, channel=c.channel,
                   language=c.language, occurred_at=c.occurred_at, duration=c.duration,
                   n_turns=c.n_turns, has_audio=c.audio_sha256 is not None,
                   source_name=c.source_name, run_id=run.id, score=run.score,
                   passed=run.passed, critical_failures=list(run.critical_failures))


class ConversationPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "scorecard": "default", "version": 1, "items": [], "next_cursor": "WyIyMDI0LTA1LTA5"}]})

    scorecard: str
    version: int
    items: list[ConversationItem]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page")


class EvidenceOut(BaseModel):
    turn: int | None = Field(description="index of the turn, when the evidence is in one")
    start: int | None = Field(default=None, description="character span in the turn")
    end: int | None = None
    text: str
    formula: str | None = None
    similarity: float | None = None
    note: str | None = None


class CriterionOut(BaseModel):
    name: str
    score: float | None = Field(description="0-1; null when not applicable")
    passed: bool | None
    applicable: bool
    confidence: float
    evidence: list[EvidenceOut]
    details: dict[str, Any]


class RunRefOut(BaseModel):
    id: int
    scorecard: str
    version: int
    created_at: datetime
    score: float | None


class ScoreRunOut(BaseModel):
    id: int
    scorecard: str
    version: int
    created_at: datetime
    models: dict[str, Any] = Field(description="IQS version, each criterion's learned model, "
                                               "the speech recogniser")
    score: float | None
    weighted_score: float | None
    passed: bool
    critical_failures: list[str]
    timing: TimingMetrics | None = Field(description="response times, waits, silence, "
                                                     "talk-over (timed turns only)")
    scoring_seconds: float
    criteria: dict[str, CriterionOut]


class AgentRef(BaseModel):
    id: str
    display_name: str | None
    team: str | None


class ConversationOut(BaseModel):
    """A stored conversation: its turns, and a score run with every criterion's evidence."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 42, "external_id": "web-1001", "source_name": "support_chats.jsonl",
        "channel": "chat", "language": "en",
        "agent": {"id": "a-anna", "display_name": "Anna", "team": "north"},
        "customer_id": "c-1", "start_time": _WHEN, "occurred_at": _WHEN, "duration": None,
        "turns": [{"role": "agent", "text": "Good morning, my name is Anna, how can I help?"}],
        "has_audio": False, "audio_url": None,
        "run": {"id": 57, "scorecard": "default", "version": 1, "created_at": _WHEN,
                "models": {"iqs": "0.1.0", "criteria": {}}, "score": 98.05,
                "weighted_score": 98.05, "passed": True, "critical_failures": [],
                "timing": None, "scoring_seconds": 0.05,
                "criteria": {"greeting": {
                    "name": "greeting", "score": 1.0, "passed": True, "applicable": True,
                    "confidence": 0.9, "details": {},
                    "evidence": [{"turn": 0, "start": 0, "end": 12, "text": "Good morning",
                                  "formula": "greeting.salutation"}]}}},
        "runs": [{"id": 57, "scorecard": "default", "version": 1, "created_at": _WHEN,
                  "score": 98.05}]}]})

    id: int
    external_id: str
    source_name: str | None
    channel: str
    language: str | None
    agent: AgentRef | None
    customer_id: str | None
    start_time: datetime | None
    occurred_at: datetime
    duration: float | None
    turns: list[Turn]
    redactions: dict[str, int] = Field(
        default_factory=dict, description="personal data redacted from the turns before they "
                                          "were stored, by kind (CARD, PHONE, NAME, ...)")
    has_audio: bool
    audio_url: str | None = Field(description="the recording, with range requests (redacted "
                                               "words silenced)")
    run: ScoreRunOut | None = Field(
        description="the latest run under the scorecard version asked for (or the run asked "
                    "for); null when not scored under it")
    runs: list[RunRefOut] = Field(description="every run of the conversation, oldest first")
    review: ReviewOut | None = Field(
        default=None, description="the latest people's review (GET …/reviews: all of them); "
                                  "the run above stays as the machine scored it")
    effective_score: float | None = Field(
        default=None, description="the reviewed score where a review exists, else the run's")

    @classmethod
    def of(cls, detail: queries.ConversationDetail) -> ConversationOut:
        c, run, version = detail.conversation, detail.run, detail.version
        agent = None
        if c.agent_id is not None:
            agent = AgentRef(id=c.agent_id,
                             display_name=(detail.agent.display_name if detail.agent else None)
                             or c.meta.get("agent_name"),
                             team=detail.agent.team_id if detail.agent else None)
        run_out = None
        if run is not None and version is not None:
            run_out = ScoreRunOut(
                id=run.id, scorecard=version.scorecard_name, version=version.version,
                created_at=run.created_at, models=run.models, score=run.score,
                weighted_score=run.weighted_score, passed=run.passed,
                critical_failures=list(run.critical_failures),
                timing=TimingMetrics.model_validate(run.timing) if run.timing else None,
                scoring_seconds=run.scoring_seconds,
                criteria={r.name: CriterionOut(
                    name=r.name, score=r.score, passed=r.passed, applicable=r.applicable,
                    confidence=r.confidence, details=r.details,
                    evidence=[EvidenceOut.model_validate({"turn": None, **e})
                              for e in r.evidence]) for r in run.results})
        return cls(
            id=c.id, external_id=c.external_id, source_name=c.source_name, channel=c.channel,
            language=c.language, agent=agent, customer_id=c.customer_id,
            start_time=c.start_time, occurred_at=c.occurred_at, duration=c.duration,
            turns=[Turn.model_validate(t) for t in c.turns],
            redactions=c.meta.get("redactions", {}),
            has_audio=c.audio_sha256 is not None,
            audio_url=f"/v1/conversations/{c.id}/audio" if c.audio_sha256 else None,
            run=run_out,
            runs=[RunRefOut(id=r.id, scorecard=r.scorecard, version=r.version,
                            created_at=r.created_at, score=r.score) for r in detail.runs],
            review=ReviewOut.of(detail.review) if detail.review is not None else None,
            effective_score=detail.review.score if detail.review is not None
            else run.score if run is not None else None)
