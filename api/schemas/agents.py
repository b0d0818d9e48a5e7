"""Per-agent and per-team aggregates, and changes to an agent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.store import queries

TEAM_PATTERN = r"^[^\x00-\x1f\x7f]{1,100}$"

_STATS_EXAMPLE: dict[str, Any] = {
    "n": 41, "scored": 40, "mean": 81.3, "ci_low": 76.9, "ci_high": 85.7, "pass_rate": 0.725,
    "critical_failures": 3, "pass_rates": {"greeting": 0.9, "farewell": 0.75, "empathy": None},
    "applied": {"greeting": 40, "farewell": 40, "empathy": 0},
    "worst": [{"id": 17, "external_id": "T-5001", "score": 0.0}],
    "trend": [{"week": "2024-05-06", "n": 12, "scored": 12, "mean": 83.1, "ci_low": 75.0,
               "ci_high": 91.2}]}


class WorstOut(BaseModel):
    id: int = Field(description="conversation id")
    external_id: str
    score: float


class TrendPointOut(BaseModel):
    week: date = Field(description="Monday of the ISO week (UTC)")
    n: int
    scored: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None


class StatsOut(BaseModel):
    n: int = Field(description="conversations scored under the scorecard version")
    scored: int = Field(description="of which some criterion applied (a score)")
    mean: float | None = Field(description="mean score, 0-100")
    ci_low: float | None = Field(description="95% confidence interval (Student's t); null "
                                             "under two scores")
    ci_high: float | None
    pass_rate: float | None = Field(description="share of scored conversations that passed")
    critical_failures: int = Field(description="conversations with a critical failure")
    pass_rates: dict[str, float | None] = Field(
        description="per criterion, among the conversations where it applied")
    applied: dict[str, int] = Field(
        description="per criterion, the conversations where it applied (its pass rate's n)")
    worst: list[WorstOut] = Field(description="lowest scores first: review these")
    trend: list[TrendPointOut] | None = Field(description="per ISO week, oldest first")

    @staticmethod
    def fields_of(stats: queries.GroupStats) -> dict[str, Any]:
        return {
            "n": stats.n, "scored": stats.scored, "mean": stats.mean, "ci_low": stats.ci_low,
            "ci_high": stats.ci_high, "pass_rate": stats.pass_rate,
            "critical_failures": stats.critical_failures, "pass_rates": stats.pass_rates,
            "applied": stats.applied,
            "worst": [WorstOut(id=w.conversation_id, external_id=w.external_id, score=w.score)
                      for w in stats.worst],
            "trend": None if stats.trend is None else [
                TrendPointOut(week=p.week, n=p.n, scored=p.scored, mean=p.mean,
                              ci_low=p.ci_low, ci_high=p.ci_high) for p in stats.trend]}


class AgentStatsOut(StatsOut):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "agent_id": "a-anna", "display_name": "Anna", "team": "north", **_STATS_EXAMPLE}]})

    agent_id: str = Field(description='"(unknown)" gathers conversations without an agent')
    display_name: str | None
    team: str | None


class TeamStatsOut(StatsOut):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "team_id": "north", "name": "north", "agents": ["a-anna", "a-leo"], **_STATS_EXAMPLE}]})

    team_id: str = Field(description='"(none)" gathers agents in no team and unknown agents')
    name: str
    agents: list[str] = Field(description="the team's agents now")


class Selection(BaseModel):
    scorecard: str
    version: int
    since: datetime | None
    until: datetime | None


class AgentList(Selection):
    agents: list[AgentStatsOut] = Field(description="lowest mean first")


class AgentDetail(Selection):
    agent: AgentStatsOut


class TeamList(Selection):
    teams: list[TeamStatsOut] = Field(description="lowest mean first")


class TeamDetail(Selection):
    team: TeamStatsOut


class AgentPatch(BaseModel):
    """Fields to change; a field left out is kept, null clears it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"display_name": "Anna K.", "team": "north"}]})

    display_name: str | None = Field(default=None, max_length=200,
                                     pattern=r"^[^\x00-\x1f\x7f]*$")
    team: str | None = Field(default=None, pattern=TEAM_PATTERN,
                             description="team id; a new one creates the team")


class AgentOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "a-anna", "display_name": "Anna K.", "team": "north",
        "created_at": "2024-05-09T09:15:00Z"}]})

    id: str
    display_name: str | None
    team: str | None
    created_at: datetime
