"""The review queue, reviews and disputes at the HTTP boundary."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.schemas.common import MAX_ID, NAME
from api.store import tables
from api.store.queries.reviews import CriterionVerdict, QueueEntry

_WHEN = "2024-05-09T09:15:00Z"


class QueueItemOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 3, "conversation_id": 42, "external_id": "web-1001", "agent_id": "a-anna",
        "team": "north", "occurred_at": _WHEN, "run_id": 57, "scorecard": "default",
        "version": 1, "score": 0.0, "passed": False, "reasons": ["critical_failure"],
        "state": "open", "claimed_by": None, "claimed_at": None, "created_at": _WHEN}]})

    id: int
    conversation_id: int
    external_id: str
    agent_id: str | None
    team: str | None
    occurred_at: datetime
    run_id: int = Field(description="the machine run that raised it")
    scorecard: str
    version: int
    score: float | None = Field(description="the machine's score, 0-100")
    passed: bool
    reasons: list[str] = Field(description="why the flag rules raised it")
    state: str = Field(description="open, claimed or reviewed")
    claimed_by: str | None = Field(description="the key id of the reviewer holding it")
    claimed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, entry: QueueEntry) -> QueueItemOut:
        i, c, run, v = entry.item, entry.conversation, entry.run, entry.version
        return cls(id=i.id, conversation_id=c.id, external_id=c.external_id,
                   agent_id=c.agent_id, team=entry.team, occurred_at=c.occurred_at,
                   run_id=run.id, scorecard=v.scorecard_name, version=v.version,
                   score=run.score, passed=run.passed, reasons=list(i.reasons),
                   state=i.state, claimed_by=i.claimed_by, claimed_at=i.claimed_at,
                   created_at=i.created_at)


class QueueOut(BaseModel):
    items: list[QueueItemOut]


class ClaimOut(BaseModel):
    id: int
    state: str
    claimed_by: str | None
    claimed_at: datetime | None

    @classmethod
    def of(cls, item: tables.ReviewItem) -> ClaimOut:
        return cls(id=item.id, state=item.state, claimed_by=item.claimed_by,
                   claimed_at=item.claimed_at)


class CriterionReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agree: bool = Field(description="true: the machine's verdict stands")
    passed: bool | None = Field(default=None, description="the corrected verdict")
    score: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False,
                                description="the corrected score, 0-1")
    comment: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _correction(self) -> CriterionReviewIn:
        if self.agree and (self.passed is not None or self.score is not None):
            raise ValueError("agree: true takes no corrected passed or score")
        if not self.agree and self.passed is None and self.score is None:
            raise ValueError("agree: false needs the corrected passed or score")
        return self

    def verdict(self) -> CriterionVerdict:
        return CriterionVerdict(agree=self.agree, passed=self.passed, score=self.score,
                                comment=self.comment)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "note": "Greeting was there, in the second turn.",
        "criteria": {"greeting": {"agree": False, "passed": True, "score": 1.0,
                                  "comment": "said hello after the hold"},
                     "politeness": {"agree": True}}}]})

    run_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                               description="the run reviewed; default: the latest under the "
                                           "scorecard version asked for")
    note: str | None = Field(default=None, max_length=5000, description="overall note")
    criteria: dict[Annotated[str, StringConstraints(pattern=NAME)], CriterionReviewIn] = Field(
        default_factory=dict, description="criterion -> agree or a corrected verdict")



class DisputeOut(BaseModel):
    id: int
    review_id: int
    agent_key_id: str | None
    comment: str
    state: str = Field(description="open or resolved")
    resolution: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, d: tables.Dispute) -> DisputeOut:
        return cls(id=d.id, review_id=d.review_id, agent_key_id=d.agent_key_id,
                   comment=d.comment, state=d.state, resolution=d.resolution,
                   resolved_by=d.resolved_by, resolved_at=d.resolved_at,
                   created_at=d.created_at)


class ReviewOut(BaseModel):
    id: int
    conversation_id: int
    run_id: int
    reviewer_key_id: str | None
    reviewer_role: str
    created_at: datetime
    note: str | None
    criteria: dict[str, dict[str, Any]]
    score: float | None = Field(description="the reviewed score (0-100) under the run's "
                                            "scorecard version")
    passed: bool | None
    calibration_session_id: int | None = Field(
        default=None, description="given in this calibration session: calibration only, not "
                                  "the conversation's review")
    disputes: list[DisputeOut] = Field(default_factory=list)

    @classmethod
    def of(cls, r: tables.Review, disputes: list[tables.Dispute] | None = None) -> ReviewOut:
        return cls(id=r.id, conversation_id=r.conversation_id, run_id=r.run_id,
                   reviewer_key_id=r.reviewer_key_id, reviewer_role=r.reviewer_role,
                   created_at=r.created_at, note=r.note, criteria=dict(r.criteria),
                   score=r.score, passed=r.passed,
                   calibration_session_id=r.calibration_session_id,
                   disputes=[DisputeOut.of(d) for d in disputes or []])


class ReviewsOut(BaseModel):
    reviews: list[ReviewOut] = Field(description="oldest first: the history is kept")


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(min_length=1, max_length=5000)


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(min_length=1, max_length=5000)
