"""Blind calibration sessions at the HTTP boundary (reviews keep the shapes of
api/schemas/reviews.py, the report those of api/schemas/agreement.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from api.schemas.agreement import CalibrationOut
from api.schemas.common import MAX_ID, TEXT
from api.schemas.reviews import ReviewOut
from api.store import tables
from api.store.queries.calibration import conversation_ids, reviewer_ids

KeyId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{1,32}$")]
ConversationRef = Annotated[int, Field(ge=1, le=MAX_ID)]


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "May greeting calibration", "conversation_ids": [42, 43, 57],
        "reviewer_key_ids": ["3f2a9c1d0b7e4a55", "9d0e1f2a3b4c5d6e"]}]})

    name: str = Field(pattern=TEXT, description="what the session is for")
    conversation_ids: list[ConversationRef] = Field(
        min_length=1, max_length=500,
        description="conversations every reviewer reviews; each needs a run under the "
                    "scorecard version")
    reviewer_key_ids: list[KeyId] = Field(
        min_length=2, max_length=50,
        description="the reviewers' key ids: active keys of admin, qa or supervisor (who "
                    "leads the team of every conversation)")

    @field_validator("conversation_ids", "reviewer_key_ids")
    @classmethod
    def _unique(cls, values: list[int] | list[str]) -> list[int] | list[str]:
        if len(set(values)) != len(values):
            raise ValueError("must not repeat an entry")
        return values


class ReviewerProgressOut(BaseModel):
    key_id: str
    reviewed: list[int] = Field(description="the conversations this reviewer reviewed in "
                                            "the session")
    done: bool = Field(description="reviewed every conversation of the session")


class SessionOut(BaseModel):
    id: int
    name: str
    scorecard: str
    version: int
    state: str = Field(description="open (reviews are blind) or closed")
    created_by: str | None
    created_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    conversations: list[int]
    reviewers: list[ReviewerProgressOut]

    @classmethod
    def of(cls, found: tables.CalibrationSession, version: tables.ScorecardVersion,
           done: dict[str, list[int]]) -> SessionOut:
        conversations = conversation_ids(found)
        return cls(id=found.id, name=found.name, scorecard=version.scorecard_name,
                   version=version.version, state=found.state, created_by=found.created_by,
                   created_at=found.created_at, closed_by=found.closed_by,
                   closed_at=found.closed_at, conversations=conversations,
                   reviewers=[ReviewerProgressOut(
                       key_id=key, reviewed=done.get(key, []),
                       done=len(done.get(key, [])) == len(conversations))
                       for key in reviewer_ids(found)])


class SessionsOut(BaseModel):
    sessions: list[SessionOut] = Field(description="newest first")


class SessionDetailOut(SessionOut):
    reviews: list[ReviewOut] = Field(
        description="the session's reviews the viewer may see: while it is open, a reviewer "
                    "sees their own only")
    report: CalibrationOut | None = Field(
        description="agreement between the reviewers: once the session is closed, or for "
                    "admin and qa who are not its reviewers at any time; null otherwise")
