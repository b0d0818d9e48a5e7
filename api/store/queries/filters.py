"""Selections of conversations: the scorecard version asked for, its latest runs, and the
filters shared by listings, aggregates, exports and rescoring."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from api.store import tables
from api.store.scorecards import find_version, parse_content
from scorer.aggregation import UNKNOWN_AGENT
from scorer.errors import IQSError

NO_TEAM = "(none)"
"""The team of conversations whose agent is in no team (or unknown)."""
MAX_LIMIT = 500
WORST = 5
EXPORT_BATCH = 500


class QueryError(IQSError):
    """A query value that cannot be used; `location` names the parameter."""


class OutOfScope(QueryError):
    """The object exists but lies outside the viewer's scope: answered as not found (its
    existence is not revealed), audited as refused."""


# --- scope: what a viewer may see ------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """The conversations a viewer may see: everything (`Scope()`), those of the agents of
    `teams` (a supervisor), or those of one agent (`agent_id`). Every listing, aggregate and
    export reads through `Filters.conditions()`, which adds these conditions."""

    teams: frozenset[str] | None = None
    agent_id: str | None = None

    @property
    def everything(self) -> bool:
        return self.teams is None and self.agent_id is None

    def conditions(self) -> list[ColumnElement[bool]]:
        c, agent = tables.Conversation, tables.Agent
        where: list[ColumnElement[bool]] = []
        if self.teams is not None:
            where.append(c.agent_id.in_(select(agent.id).where(
                agent.team_id.in_(sorted(self.teams)))))
        if self.agent_id is not None:
            where.append(c.agent_id == self.agent_id)
        return where

    def admits_agent(self, agent_id: str | None, team_id: str | None) -> bool:
        """Whether an agent (and so its aggregates) is in the scope."""
        if self.agent_id is not None and agent_id != self.agent_id:
            return False
        return self.teams is None or (team_id is not None and team_id in self.teams)

    def admits_team(self, team_id: str) -> bool:
        return self.agent_id is None and (self.teams is None or team_id in self.teams)


EVERYTHING = Scope()


# --- scorecard versions ----------------------------------------------------------------------

def scorecard_version(session: Session, name: str = "default",
                      version: int | None = None) -> tables.ScorecardVersion:
    """Version `version` of scorecard `name`, else its latest (UnknownScorecard when none)."""
    return find_version(session, name, version)


@lru_cache(maxsize=64)
def _criterion_names(content: str, location: str) -> tuple[str, ...]:
    return tuple(parse_content(content, location).criteria)


def criterion_names(version: tables.ScorecardVersion) -> list[str]:
    """The criteria of a scorecard version, in the scorecard's order."""
    return list(_criterion_names(version.content,
                                 f"scorecard {version.scorecard_name} v{version.version}"))


def latest_runs(version_id: int) -> Subquery:
    """(conversation_id, run_id): each conversation's latest run under the version."""
    return (select(tables.ScoreRun.conversation_id.label("conversation_id"),
                   func.max(tables.ScoreRun.id).label("run_id"))
            .where(tables.ScoreRun.scorecard_version_id == version_id)
            .group_by(tables.ScoreRun.conversation_id)
            .subquery("latest"))


# --- filters ---------------------------------------------------------------------------------

def utc(value: datetime | None, name: str) -> datetime | None:
    """`value` in UTC (a time without zone is taken as UTC); QueryError when out of range."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise QueryError(f"{value.isoformat()} is out of range", location=name) from exc


@dataclass(frozen=True)
class Filters:
    """A selection of conversations. `agent_id` "(unknown)" selects those without an agent,
    `team` "(none)" those whose agent is in no team; the period is [since, until) on
    `occurred_at`; the score filters read the latest run of the scorecard version."""

    agent_id: str | None = None
    team: str | None = None
    channel: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: float | None = None
    max_score: float | None = None
    critical: bool | None = None
    criterion_failed: str | None = None
    passed: bool | None = None
    scope: Scope = EVERYTHING
    """Who is asking: conditions no other filter can widen."""

    def checked(self) -> Filters:
        """The filters with times in UTC; QueryError naming the first bad value."""
        since, until = utc(self.since, "since"), utc(self.until, "until")
        if since is not None and until is not None and since >= until:
            raise QueryError("must be later than since", location="until")
        if (self.min_score is not None and self.max_score is not None
                and self.min_score > self.max_score):
            raise QueryError("must not be below min_score", location="max_score")
        return replace(self, since=since, until=until)

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE conditions over Conversation and the latest ScoreRun."""
        c, run = tables.Conversation, tables.ScoreRun
        where: list[ColumnElement[bool]] = []
        if self.agent_id is not None:
            where.append(c.agent_id.is_(None) if self.agent_id == UNKNOWN_AGENT
                         else c.agent_id == self.agent_id)
        if self.team is not None:
            where.append(_in_team(self.team))
        if self.channel is not None:
            where.append(c.channel == self.channel)
        if self.language is not None:
            where.append(c.language == self.language)
        if self.since is not None:
            where.append(c.occurred_at >= self.since)
        if self.until is not None:
            where.append(c.occurred_at < self.until)
        if self.min_score is not None:
            where.append(run.score >= self.min_score)
        if self.max_score is not None:
            where.append(run.score <= self.max_score)
        if self.critical is not None:
            where.append(run.critical == (true() if self.critical else false()))
        if self.passed is not None:
            where.append(run.passed == (true() if self.passed else false()))
        if self.criterion_failed is not None:
            result = tables.CriterionResult
            where.append(exists().where(
                result.run_id == run.id, result.name == self.criterion_failed,
                result.applicable == true(), result.passed == false()))
        return where + self.scope.conditions()


def _in_team(team: str) -> ColumnElement[bool]:
    c, agent = tables.Conversation, tables.Agent
    if team == NO_TEAM:
        return or_(c.agent_id.is_(None),
                   c.agent_id.in_(select(agent.id).where(agent.team_id.is_(None))))
    return c.agent_id.in_(select(agent.id).where(agent.team_id == team))


def selected_ids(session: Session, filters: Filters, ids: list[int] | None = None) -> list[int]:
    """Ids of the stored conversations that conversation-level `filters` select, among `ids`
    when given (what a rescore scores, whether or not it was scored under the version)."""
    query = select(tables.Conversation.id).where(*filters.conditions())
    if ids is not None:
        query = query.where(tables.Conversation.id.in_(ids))
    return list(session.scalars(query.order_by(tables.Conversation.id)))


def _scored(version_id: int, filters: Filters, *columns: Any) -> Select[Any]:
    """`columns` of the conversations selected by `filters` that have a run under the version,
    joined to their latest run."""
    latest = latest_runs(version_id)
    return (select(*columns)
            .select_from(tables.Conversation)
            .join(latest, latest.c.conversation_id == tables.Conversation.id)
            .join(tables.ScoreRun, tables.ScoreRun.id == latest.c.run_id)
            .where(*filters.conditions()))



def check_criterion(version: tables.ScorecardVersion, name: str | None) -> None:
    """QueryError unless `name` (when given) is a criterion of the scorecard version."""
    names = criterion_names(version)
    if name is not None and name not in names:
        raise QueryError(f"{name!r} is not a criterion of scorecard {version.scorecard_name!r} "
                         f"v{version.version} ({', '.join(names)})", location="criterion_failed")


def check_conversation_scope(session: Session, conversation_id: int, scope: Scope,
                             message: str | None = None) -> None:
    """OutOfScope (with `message`, else "conversation N not found") when the conversation
    exists but the scope does not admit it (its agent is not the viewer, or not in a team the
    viewer leads); a missing one is left to the caller."""
    if scope.everything:
        return
    c, agent = tables.Conversation, tables.Agent
    row = session.execute(select(c.agent_id, agent.team_id)
                          .outerjoin(agent, agent.id == c.agent_id)
                          .where(c.id == conversation_id)).first()
    if row is not None and not scope.admits_agent(row.agent_id, row.team_id):
        raise OutOfScope(message or f"conversation {conversation_id} not found")
