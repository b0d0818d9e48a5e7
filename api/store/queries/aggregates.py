"""Per-agent and per-team numbers: n, mean with 95% CI, pass rates, worst conversations,
weekly trend; and the agent and team directory."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.store import tables
from api.store.queries.filters import NO_TEAM, WORST, Filters, OutOfScope, Scope, _scored
from scorer.aggregation import UNKNOWN_AGENT, interval_from_sums

# --- aggregates per agent and per team -------------------------------------------------------

@dataclass
class Worst:
    conversation_id: int
    external_id: str
    score: float


@dataclass
class TrendPoint:
    week: date
    """Monday of the ISO week (UTC)."""
    n: int
    scored: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass
class GroupStats:
    """The aggregates of one agent or team over the selection: the numbers
    `scorer.aggregation.summarize_agents` gives for the same scores."""

    key: str
    n: int = 0
    scored: int = 0
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    pass_rate: float | None = None
    critical_failures: int = 0
    pass_rates: dict[str, float | None] = field(default_factory=dict)
    applied: dict[str, int] = field(default_factory=dict)
    """Per criterion, the conversations where it applied: the n of its pass rate."""
    worst: list[Worst] = field(default_factory=list)
    trend: list[TrendPoint] | None = None


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _rate(part: int | None, whole: int | None) -> float | None:
    return round((part or 0) / whole, 3) if whole else None


def agent_stats(session: Session, version_id: int, filters: Filters,
                agent_id: str | None = None, trend: bool = True,
                worst: int = WORST) -> list[GroupStats]:
    """Per agent (conversations without one as "(unknown)"), sorted for review: lowest mean
    first, agents without a score last. `agent_id` limits it to one agent."""
    return _group_stats(session, version_id, filters, "agent", agent_id, trend, worst)


def team_stats(session: Session, version_id: int, filters: Filters, team_id: str | None = None,
               trend: bool = True, worst: int = WORST) -> list[GroupStats]:
    """Per team of the agents' current teams ("(none)": no team or no agent)."""
    return _group_stats(session, version_id, filters, "team", team_id, trend, worst)


def _group_stats(session: Session, version_id: int, filters: Filters, by: str,
                 only: str | None, trend: bool, worst: int) -> list[GroupStats]:
    filters = filters.checked()
    run, result = tables.ScoreRun, tables.CriterionResult
    if by == "agent":
        key: Any = tables.Conversation.agent_id
        unknown = UNKNOWN_AGENT
    else:
        key = tables.Agent.team_id
        unknown = NO_TEAM

    def scored(*columns: Any) -> Select[Any]:
        query = _scored(version_id, filters, *columns)
        if by == "team":
            query = query.outerjoin(tables.Agent,
                                    tables.Agent.id == tables.Conversation.agent_id)
        if only is not None:
            query = query.where(key.is_(None) if only == unknown else key == only)
        return query

    def name(value: str | None) -> str:
        return unknown if value is None else value

    one = true()
    groups: dict[str, GroupStats] = {}
    totals = scored(key, func.count(), func.count(run.score), func.sum(run.score),
                    func.sum(run.score * run.score),
                    func.sum(case((and_(run.score.is_not(None), run.passed == one), 1),
                                  else_=0)),
                    func.sum(case((run.critical == one, 1), else_=0))).group_by(key)
    for value, n, n_scored, total, squares, passed, critical in session.execute(totals):
        mean, low, high = interval_from_sums(int(n_scored), float(total or 0.0),
                                             float(squares or 0.0))
        groups[name(value)] = GroupStats(
            key=name(value), n=int(n), scored=int(n_scored), mean=_round(mean),
            ci_low=_round(low), ci_high=_round(high), pass_rate=_rate(passed, n_scored),
            critical_failures=int(critical or 0))
    criteria = (scored(key, result.name, func.sum(case((result.applicable == one, 1), else_=0)),
                       func.sum(case((and_(result.applicable == one, result.passed == one), 1),
                                     else_=0)),
                       func.min(result.id))
                .join(result, result.run_id == run.id)
                .group_by(key, result.name)
                .order_by(func.min(result.id)))
    for value, criterion, applicable, passed, _ in session.execute(criteria):
        groups[name(value)].pass_rates[criterion] = _rate(passed, applicable)
        groups[name(value)].applied[criterion] = int(applicable or 0)
    if worst > 0:
        rank = func.row_number().over(partition_by=key, order_by=[
            run.score, tables.Conversation.external_id, tables.Conversation.id]).label("rank")
        ranked = scored(key.label("key"), tables.Conversation.id.label("id"),
                        tables.Conversation.external_id.label("external_id"),
                        run.score.label("score"), rank).where(run.score.is_not(None)).subquery()
        for value, conversation_id, external_id, score in session.execute(
                select(ranked.c.key, ranked.c.id, ranked.c.external_id, ranked.c.score)
                .where(ranked.c.rank <= worst).order_by(ranked.c.rank)):
            groups[name(value)].worst.append(Worst(conversation_id, external_id, score))
    if trend:
        series: dict[str, list[tuple[datetime, float | None]]] = defaultdict(list)
        for value, occurred_at, score in session.execute(
                scored(key, tables.Conversation.occurred_at, run.score)):
            series[name(value)].append((occurred_at, score))
        for group in groups.values():
            group.trend = weekly_trend(series.get(group.key, []))
    return sorted(groups.values(), key=lambda g: (g.mean is None, g.mean or 0.0, g.key))


def week_start(moment: datetime) -> date:
    """Monday of the ISO week of `moment` (in UTC)."""
    day = moment.astimezone(UTC).date() if moment.tzinfo else moment.date()
    return day - timedelta(days=day.weekday())


def weekly_trend(rows: Iterable[tuple[datetime, float | None]]) -> list[TrendPoint]:
    """Per ISO week, oldest first: conversations, scored ones, mean and 95% interval."""
    weeks: dict[date, list[float | None]] = defaultdict(list)
    for occurred_at, score in rows:
        weeks[week_start(occurred_at)].append(score)
    points = []
    for week in sorted(weeks):
        values = [s for s in weeks[week] if s is not None]
        mean, low, high = interval_from_sums(len(values), sum(values),
                                             sum(v * v for v in values))
        points.append(TrendPoint(week, len(weeks[week]), len(values), _round(mean),
                                 _round(low), _round(high)))
    return points


def agent_exists(session: Session, agent_id: str) -> bool:
    return agent_id == UNKNOWN_AGENT or session.get(tables.Agent, agent_id) is not None


def team_exists(session: Session, team_id: str) -> bool:
    return team_id == NO_TEAM or session.get(tables.Team, team_id) is not None


def check_agent_scope(session: Session, agent_id: str, scope: Scope) -> None:
    """OutOfScope when the scope does not admit the agent ("(unknown)" only in the whole
    scope)."""
    if scope.everything:
        return
    agent = session.get(tables.Agent, agent_id) if agent_id != UNKNOWN_AGENT else None
    if agent is None or not scope.admits_agent(agent.id, agent.team_id):
        raise OutOfScope(f"agent {agent_id!r} not found")


def check_team_scope(team_id: str, scope: Scope) -> None:
    if not scope.admits_team(team_id):
        raise OutOfScope(f"team {team_id!r} not found")


def agents_by_id(session: Session, ids: Iterable[str]) -> dict[str, tables.Agent]:
    wanted = [i for i in set(ids) if i != UNKNOWN_AGENT]
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(
        select(tables.Agent).where(tables.Agent.id.in_(wanted)))}


def teams_by_id(session: Session, ids: Iterable[str]) -> dict[str, tables.Team]:
    wanted = [i for i in set(ids) if i != NO_TEAM]
    if not wanted:
        return {}
    return {t.id: t for t in session.scalars(
        select(tables.Team).where(tables.Team.id.in_(wanted)))}


def team_members(session: Session, team_ids: Iterable[str]) -> dict[str, list[str]]:
    """The agents of each team (of "(none)": the agents in no team)."""
    members: dict[str, list[str]] = {t: [] for t in team_ids}
    if not members:
        return members
    named = [t for t in members if t != NO_TEAM]
    condition: ColumnElement[bool] = tables.Agent.team_id.in_(named)
    if NO_TEAM in members:
        condition = or_(condition, tables.Agent.team_id.is_(None))
    for agent_id, team_id in session.execute(
            select(tables.Agent.id, tables.Agent.team_id).where(condition)
            .order_by(tables.Agent.id)):
        members[team_id if team_id is not None else NO_TEAM].append(agent_id)
    return members


def update_agent(session: Session, agent_id: str, changes: dict[str, str | None],
                 ) -> tables.Agent | None:
    """Set an agent's `display_name` and/or `team` (a new team id creates the team); None
    when there is no such agent. The caller commits."""
    agent = session.get(tables.Agent, agent_id)
    if agent is None:
        return None
    if "display_name" in changes:
        agent.display_name = changes["display_name"]
    if "team" in changes:
        team = changes["team"]
        if team is not None and session.get(tables.Team, team) is None:
            try:
                with session.begin_nested():
                    session.add(tables.Team(id=team, name=team))
            except IntegrityError:
                pass  # created by a concurrent request
        agent.team_id = team
    session.flush()
    return agent
