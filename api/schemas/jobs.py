"""Jobs and ingestion results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class FileFailureOut(BaseModel):
    file: str
    message: str


class JobOut(BaseModel):
    id: str
    kind: str
    state: str = Field(description="queued, running, done or failed")
    progress_done: int
    progress_total: int
    error: str | None
    failures: list[FileFailureOut] = Field(description="files that could not be read")
    conversation_ids: list[int]
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Any) -> JobOut:
        result = job.result or {}
        return cls(id=job.id, kind=job.kind, state=job.state, progress_done=job.progress_done,
                   progress_total=job.progress_total, error=job.error,
                   failures=result.get("failures", []),
                   conversation_ids=result.get("conversation_ids", []), attempts=job.attempts,
                   created_at=job.created_at, started_at=job.started_at,
                   finished_at=job.finished_at)


class IngestOut(BaseModel):
    """What an ingestion did: scored at once (`done`) or queued as a job to follow."""

    job: JobOut
    conversation_ids: list[int]
    scored: bool = Field(description="true when scored within the request")


class RescoreIn(BaseModel):
    scorecard: str = "default"
    version: int | None = Field(default=None, ge=1, description="default: the latest")
    conversation_ids: list[int] | None = Field(
        default=None, description="these conversations; default: all that match the filters")
    agent_id: str | None = None
    team: str | None = None
    channel: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None
