"""Agents and teams: for a period, n, mean with a 95% confidence interval, pass rate, pass rate
per criterion, critical failures, the worst conversations and a weekly trend (the numbers
`iqs agents` prints); an agent's display name and team."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from sqlalchemy.orm import Session

from api.deps import TEXT, RuntimeDep, SessionDep, VersionDep, ViewerDep
from api.errors import ERRORS
from api.routers.conversations import period
from api.schemas.agents import (
    AgentDetail,
    AgentList,
    AgentOut,
    AgentPatch,
    AgentStatsOut,
    StatsOut,
    TeamDetail,
    TeamList,
    TeamStatsOut,
)
from api.security.auth import AuthorizedRoute
from api.store import queries
from api.store.db import transaction

router = APIRouter(tags=["agents"], route_class=AuthorizedRoute)

PeriodDep = Annotated[queries.Filters, Depends(period)]
Trend = Annotated[bool, Query(description="include the weekly trend series")]
AgentId = Annotated[str, Path(pattern=TEXT, description='agent id; "(unknown)": '
                                                        "conversations without an agent")]
TeamId = Annotated[str, Path(pattern=TEXT, description='team id; "(none)": agents in no team')]


def describe_agents(session: Session, stats: list[queries.GroupStats]) -> list[AgentStatsOut]:
    known = queries.agents_by_id(session, [s.key for s in stats])
    out = []
    for s in stats:
        agent = known.get(s.key)
        out.append(AgentStatsOut(agent_id=s.key, **StatsOut.fields_of(s),
                                 display_name=agent.display_name if agent else None,
                                 team=agent.team_id if agent else None))
    return out


def describe_teams(session: Session, stats: list[queries.GroupStats]) -> list[TeamStatsOut]:
    known = queries.teams_by_id(session, [s.key for s in stats])
    members = queries.team_members(session, [s.key for s in stats])
    return [TeamStatsOut(team_id=s.key, **StatsOut.fields_of(s),
                         name=known[s.key].name if s.key in known else s.key,
                         agents=members.get(s.key, [])) for s in stats]


@router.get("/v1/agents", response_model=AgentList, responses=ERRORS)
def list_agents(session: SessionDep, version: VersionDep, selection: PeriodDep,
                trend: Trend = True) -> AgentList:
    """Every agent with conversations scored in the period, lowest mean first."""
    stats = queries.agent_stats(session, version.id, selection, trend=trend)
    return AgentList(scorecard=version.scorecard_name, version=version.version,
                     since=selection.since, until=selection.until,
                     agents=describe_agents(session, stats))


@router.get("/v1/agents/{agent_id}", response_model=AgentDetail, responses=ERRORS)
def get_agent(session: SessionDep, version: VersionDep, selection: PeriodDep,
              agent_id: AgentId, viewer: ViewerDep, trend: Trend = True) -> AgentDetail:
    """One agent's aggregates for the period (zero conversations: n 0, no mean)."""
    if not queries.agent_exists(session, agent_id):
        raise HTTPException(404, f"agent {agent_id!r} not found")
    queries.check_agent_scope(session, agent_id, viewer.scope)
    stats = queries.agent_stats(session, version.id, selection, agent_id=agent_id, trend=trend)
    found = stats[0] if stats else queries.GroupStats(key=agent_id, trend=[] if trend else None)
    return AgentDetail(scorecard=version.scorecard_name, version=version.version,
                       since=selection.since, until=selection.until,
                       agent=describe_agents(session, [found])[0])


@router.patch("/v1/agents/{agent_id}", response_model=AgentOut, responses=ERRORS)
def patch_agent(body: AgentPatch, runtime: RuntimeDep, agent_id: AgentId) -> AgentOut:
    """Change an agent's display name or team (a new team id creates the team; null: no
    team). Team aggregates follow the agents' current teams."""
    with transaction(runtime.sessions) as session:
        agent = queries.update_agent(session, agent_id, body.model_dump(
            include=body.model_fields_set))
        if agent is None:
            raise HTTPException(404, f"agent {agent_id!r} not found")
        return AgentOut(id=agent.id, display_name=agent.display_name, team=agent.team_id,
                        created_at=agent.created_at)


@router.get("/v1/teams", response_model=TeamList, responses=ERRORS)
def list_teams(session: SessionDep, version: VersionDep, selection: PeriodDep,
               trend: Trend = True) -> TeamList:
    """Every team with conversations scored in the period, lowest mean first."""
    stats = queries.team_stats(session, version.id, selection, trend=trend)
    return TeamList(scorecard=version.scorecard_name, version=version.version,
                    since=selection.since, until=selection.until,
                    teams=describe_teams(session, stats))


@router.get("/v1/teams/{team_id}", response_model=TeamDetail, responses=ERRORS)
def get_team(session: SessionDep, version: VersionDep, selection: PeriodDep,
             team_id: TeamId, viewer: ViewerDep, trend: Trend = True) -> TeamDetail:
    if not queries.team_exists(session, team_id):
        raise HTTPException(404, f"team {team_id!r} not found")
    queries.check_team_scope(team_id, viewer.scope)
    stats = queries.team_stats(session, version.id, selection, team_id=team_id, trend=trend)
    found = stats[0] if stats else queries.GroupStats(key=team_id, trend=[] if trend else None)
    return TeamDetail(scorecard=version.scorecard_name, version=version.version,
                      since=selection.since, until=selection.until,
                      team=describe_teams(session, [found])[0])

