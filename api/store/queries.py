"""Read queries over the store, shared by the API, the CLI and the pages, so that none shows a
number another would not give.

Everything reads, per conversation, the latest score run of one scorecard version
(`latest_runs`): rescoring adds runs, never changes one. Aggregates are counts and sums in SQL,
turned into a mean and a 95% interval by `scorer.aggregation.interval_from_sums`, the one
implementation the CLI's table uses too; weekly trends are grouped in Python from the
(occurred_at, score) rows, since SQLite and PostgreSQL truncate dates differently.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.sql.selectable import Subquery

from api.store import tables
from api.store.scorecards import find_version, parse_content
from scorer.aggregation import UNKNOWN_AGENT, interval_from_sums
from scorer.batch import ScoreReport
from scorer.criteria.base import CriterionResult
from scorer.errors import IQSError
from scorer.report import to_csv
from scorer.scoring import ConversationScore

NO_TEAM = "(none)"
"""The team of conversations whose agent is in no team (or unknown)."""
MAX_LIMIT = 500
WORST = 5
EXPORT_BATCH = 500


class QueryError(IQSError):
    """A query value that cannot be used; `location` names the parameter."""


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
        return where


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


# --- listing with cursor pagination ----------------------------------------------------------

@dataclass
class ScoredConversation:
    conversation: tables.Conversation
    run: tables.ScoreRun


@dataclass
class Page:
    items: list[ScoredConversation]
    next_cursor: str | None


def encode_cursor(occurred_at: datetime, conversation_id: int) -> str:
    raw = json.dumps([occurred_at.astimezone(UTC).isoformat(), conversation_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(occurred_at, id) of the last item of the previous page; QueryError when it is not a
    cursor this API gave."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, last_id = json.loads(raw)
        occurred_at = datetime.fromisoformat(when)
        if (occurred_at.tzinfo is None or not isinstance(last_id, int)
                or isinstance(last_id, bool) or not 0 < last_id < 2**63):
            raise ValueError("not a cursor")
        return occurred_at.astimezone(UTC), last_id
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError) as exc:
        raise QueryError("not a cursor of this listing; use next_cursor of the previous page",
                         location="cursor") from exc


def list_conversations(session: Session, version_id: int, filters: Filters,
                       cursor: str | None = None, limit: int = 50,
                       with_results: bool = False) -> Page:
    """One page of the selected conversations scored under the version, newest first
    (occurred_at, then id, descending: stable while conversations are added)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"must be between 1 and {MAX_LIMIT}", location="limit")
    filters = filters.checked()
    c = tables.Conversation
    query = _scored(version_id, filters, c, tables.ScoreRun)
    if cursor is not None:
        occurred_at, last_id = decode_cursor(cursor)
        query = query.where(or_(c.occurred_at < occurred_at,
                                and_(c.occurred_at == occurred_at, c.id < last_id)))
    query = query.order_by(c.occurred_at.desc(), c.id.desc()).limit(limit + 1)
    if with_results:
        query = query.options(selectinload(tables.ScoreRun.results))
    rows = [ScoredConversation(conversation, run)
            for conversation, run in session.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].conversation if rows else None
    return Page(rows, encode_cursor(last.occurred_at, last.id) if more and last else None)


# --- one conversation ------------------------------------------------------------------------

@dataclass
class RunRef:
    id: int
    scorecard: str
    version: int
    created_at: datetime
    score: float | None


@dataclass
class ConversationDetail:
    conversation: tables.Conversation
    agent: tables.Agent | None
    run: tables.ScoreRun | None
    """The run shown: the one asked for, else the latest under the scorecard version."""
    version: tables.ScorecardVersion | None
    """The scorecard version of `run`."""
    runs: list[RunRef]
    """Every run of the conversation, under every scorecard version, oldest first."""


def conversation_detail(session: Session, conversation_id: int, version_id: int,
                        run_id: int | None = None) -> ConversationDetail | None:
    """The conversation with its latest run under the version (or run `run_id` of it);
    None when there is no such conversation. QueryError when `run_id` is not one of its runs."""
    conversation = session.get(tables.Conversation, conversation_id)
    if conversation is None:
        return None
    v = tables.ScorecardVersion
    refs = [RunRef(id=i, scorecard=name, version=number, created_at=created, score=score)
            for i, name, number, created, score in session.execute(
                select(tables.ScoreRun.id, v.scorecard_name, v.version,
                       tables.ScoreRun.created_at, tables.ScoreRun.score)
                .join(v, v.id == tables.ScoreRun.scorecard_version_id)
                .where(tables.ScoreRun.conversation_id == conversation_id)
                .order_by(tables.ScoreRun.id))]
    if run_id is not None:
        if run_id not in {r.id for r in refs}:
            raise QueryError(f"conversation {conversation_id} has no run {run_id}",
                             location="run")
        shown: int | None = run_id
    else:
        shown = session.scalar(select(func.max(tables.ScoreRun.id)).where(
            tables.ScoreRun.conversation_id == conversation_id,
            tables.ScoreRun.scorecard_version_id == version_id))
    run = None
    if shown is not None:
        run = session.scalar(select(tables.ScoreRun).where(tables.ScoreRun.id == shown)
                             .options(selectinload(tables.ScoreRun.results)))
    version = session.get(v, run.scorecard_version_id) if run is not None else None
    agent = session.get(tables.Agent, conversation.agent_id) if conversation.agent_id else None
    return ConversationDetail(conversation, agent, run, version, refs)


def audio_file(session: Session, conversation_id: int) -> tuple[tables.Conversation | None,
                                                               tables.SourceFile | None]:
    """The conversation and the stored audio file it was transcribed from (None: no audio)."""
    conversation = session.get(tables.Conversation, conversation_id)
    if conversation is None or conversation.audio_sha256 is None:
        return conversation, None
    return conversation, session.get(tables.SourceFile, conversation.audio_sha256)


def to_score(conversation: tables.Conversation, run: tables.ScoreRun) -> ConversationScore:
    """The scorer's score of a stored run (what `iqs score` would have printed)."""
    return ConversationScore.model_validate({
        "id": conversation.external_id, "agent_id": conversation.agent_id,
        "channel": conversation.channel, "language": conversation.language,
        "score": run.score, "weighted_score": run.weighted_score, "passed": run.passed,
        "critical_failures": run.critical_failures, "timing": run.timing,
        "source": conversation.source_name,
        "criteria": {r.name: CriterionResult(
            name=r.name, score=r.score, passed=r.passed, applicable=r.applicable,
            confidence=r.confidence, details=r.details,
            evidence=[{"turn": None, **e} for e in r.evidence])
            for r in run.results}})


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


# --- export ----------------------------------------------------------------------------------

def export_batches(sessions: sessionmaker[Session], version_id: int, filters: Filters,
                   batch: int = EXPORT_BATCH) -> Iterator[list[ScoredConversation]]:
    """Every selected conversation with its latest run and criterion results, newest first,
    `batch` at a time (keyset pagination, a short session per batch: an export of any size
    holds one batch in memory)."""
    cursor: str | None = None
    while True:
        with sessions() as session:
            page = list_conversations(session, version_id, filters, cursor, batch,
                                      with_results=True)
        if page.items:
            yield page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


EXPORT_EXTRA_COLUMNS = ("conversation_id", "occurred_at", "run_id")


def csv_chunks(batches: Iterable[list[ScoredConversation]], scorecard: str) -> Iterator[str]:
    """CSV text, a batch at a time: the columns of `iqs score --format csv` (scorer.report's
    to_csv: a score and a passed column per criterion), then the store's conversation id,
    time and run id."""
    header: list[str] | None = None
    for items in batches:
        report = ScoreReport(scorecard=scorecard, agents=[], failures=[],
                             conversations=[to_score(i.conversation, i.run) for i in items])
        reader = csv.DictReader(io.StringIO(to_csv(report)))
        out = io.StringIO()
        if header is None:
            header = [*(reader.fieldnames or []), *EXPORT_EXTRA_COLUMNS]
            csv.writer(out).writerow(header)
        writer = csv.DictWriter(out, fieldnames=header, restval="", extrasaction="ignore")
        for item, row in zip(items, reader, strict=True):
            writer.writerow({**row, "conversation_id": item.conversation.id,
                             "occurred_at": item.conversation.occurred_at.isoformat(),
                             "run_id": item.run.id})
        yield out.getvalue()
    if header is None:  # nothing selected: the header alone
        empty = ScoreReport(scorecard=scorecard, conversations=[], agents=[], failures=[])
        first = next(csv.reader(io.StringIO(to_csv(empty))))
        out = io.StringIO()
        csv.writer(out).writerow([*first, *EXPORT_EXTRA_COLUMNS])
        yield out.getvalue()


def jsonl_record(item: ScoredConversation, version: tables.ScorecardVersion) -> dict[str, Any]:
    """One conversation as `iqs score --format json` gives it, with the store's ids, its time,
    the scorecard version and its turns."""
    conversation, run = item.conversation, item.run
    return {"conversation_id": conversation.id, "occurred_at": conversation.occurred_at.isoformat(),
            "run_id": run.id, "scorecard": version.scorecard_name, "version": version.version,
            **to_score(conversation, run).model_dump(mode="json"),
            "turns": conversation.turns}


def jsonl_chunks(batches: Iterable[list[ScoredConversation]],
                 version: tables.ScorecardVersion) -> Iterator[str]:
    for items in batches:
        yield "".join(json.dumps(jsonl_record(item, version), ensure_ascii=False) + "\n"
                      for item in items)


def check_criterion(version: tables.ScorecardVersion, name: str | None) -> None:
    """QueryError unless `name` (when given) is a criterion of the scorecard version."""
    names = criterion_names(version)
    if name is not None and name not in names:
        raise QueryError(f"{name!r} is not a criterion of scorecard {version.scorecard_name!r} "
                         f"v{version.version} ({', '.join(names)})", location="criterion_failed")
