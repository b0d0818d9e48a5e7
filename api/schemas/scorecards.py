"""Scorecards and their versions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import ScorecardInfo


class ScorecardVersionOut(BaseModel):
    version: int
    sha256: str
    created_at: datetime


class ScorecardOut(ScorecardInfo):
    version: int = Field(description="the latest version, described here")
    versions: list[ScorecardVersionOut]
    content: str = Field(description="the latest version's YAML")


class ScorecardIn(BaseModel):
    content: str = Field(min_length=1, max_length=1_000_000, pattern=r"^[^\x00]*$",
                         description="the scorecard's YAML", examples=[
        "name: default\ncriteria:\n  greeting: {weight: 1}\n"])
