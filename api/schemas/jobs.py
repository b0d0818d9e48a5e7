"""Jobs and ingestion results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from api.schemas.common import MAX_ID, NAME, TEXT

_JOB_EXAMPLE: dict[str, JsonValue] = {
    "id": "07a4a53501944aa5b6f4d13ddad4633d", "kind": "ingest", "state": "done",
    "progress_done": 2, "progress_total": 2, "error": None,
    "failures": [{"file": "broken.csv", "message": "broken.csv:3: row has 2 fields, expected 7"}],
    "conversation_ids": [1, 2, 3], "attempts": 1, "created_at": "2026-12-01T15:17:22Z",
    "started_at": "2026-12-01T15:17:22Z", "finished_at": "2026-12-01T15:17:26Z"}


class FileFailureOut(BaseModel):
    file: str
    message: str


class JobOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_JOB_EXAMPLE]})

    id: str
    kind: str
    state: str = Field(description="queued, running, done or failed")
    progress_done: int
    progress_total: int
    error: str | None
    failures: list[FileFailureOut] = Field(description="files that could not be read")
    conversation_ids: list[int]
    model: str | None = Field(default=None, description="train jobs: the model version "
                                                        "trained, NAME vVERSION")
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
                   conversation_ids=result.get("conversation_ids", []),
                   model=f"{result['model']} v{result['version']}" if "model" in result else None,
                   attempts=job.attempts,
                   created_at=job.created_at, started_at=job.started_at,
                   finished_at=job.finished_at)


class IngestOut(BaseModel):
    """What an ingestion did: scored at once (`done`) or queued as a job to follow."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"job": _JOB_EXAMPLE, "conversation_ids": [1, 2, 3], "scored": True}]})

    job: JobOut
    conversation_ids: list[int]
    scored: bool = Field(description="true when scored within the request")


class RescoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scorecard": "default", "agent_id": "a-leo", "since": "2026-11-01T00:00:00Z"}]})

    scorecard: str = Field(default="default", pattern=NAME)
    version: int | None = Field(default=None, ge=1, le=MAX_ID, description="default: the latest")
    conversation_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, max_length=100_000,
        description="these conversations; default: all that match the filters")
    agent_id: str | None = Field(default=None, pattern=TEXT)
    team: str | None = Field(default=None, pattern=TEXT)
    channel: str | None = Field(default=None, pattern=TEXT)
    language: str | None = Field(default=None, pattern=TEXT)
    since: datetime | None = None
    until: datetime | None = None
