"""`iqs` commands that read (and later fill and run) the configured store: `iqs agents`,
`iqs conversations`. The store is the one `iqs serve` uses (IQS_HOME, IQS_DATABASE_URL); the
numbers are those of the API (api.store.queries).

The commands are registered at the top level of `iqs` (scorer/cli.py adds this `app` without a
name), so a command added here is an `iqs` command."""

from __future__ import annotations

import enum
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from api.jobs.runtime import Runtime

app = typer.Typer(no_args_is_help=True, add_completion=False)
err = Console(stderr=True, soft_wrap=True)

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]
PERIOD = re.compile(r"^\s*(\d{1,5})\s*([hdw])\s*$")
UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class StoreFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


Period = Annotated[str | None, typer.Option(
    help="the last N hours, days or weeks: 24h, 30d, 12w (instead of --since/--until)")]
Since = Annotated[datetime | None, typer.Option(formats=DATE_FORMATS,
                                                help="from this time on (UTC if no zone)")]
Until = Annotated[datetime | None, typer.Option(formats=DATE_FORMATS,
                                                help="before this time (exclusive)")]
ScorecardName = Annotated[str, typer.Option(help="scorecard name in the store")]
Version = Annotated[int | None, typer.Option(min=1, help="scorecard version; default: latest")]
Format = Annotated[StoreFormat, typer.Option("--format")]


def period_start(period: str, now: datetime | None = None) -> datetime:
    """The start of `period` ("30d", "12w", "24h") counted back from now."""
    match = PERIOD.match(period)
    if match is None:
        raise typer.BadParameter("expected a number and h, d or w, e.g. 30d", param_hint="--period")
    amount, unit = int(match.group(1)), match.group(2)
    return (now or datetime.now(UTC)) - timedelta(**{UNITS[unit]: amount})


def _since(period: str | None, since: datetime | None, until: datetime | None,
           ) -> datetime | None:
    if period is not None and (since is not None or until is not None):
        raise typer.BadParameter("give --period or --since/--until, not both",
                                 param_hint="--period")
    return period_start(period) if period is not None else since


@contextmanager
def store() -> Iterator[Runtime]:
    """The configured store, prepared (a new embedded store is created; any other must be at
    the latest schema). IQS errors end the command with their message."""
    from api.jobs.runtime import Runtime
    from api.settings import Settings
    from scorer.errors import IQSError

    try:
        runtime = Runtime(Settings())
        runtime.prepare()
    except IQSError as exc:
        raise _fail(str(exc)) from exc
    try:
        yield runtime
    except IQSError as exc:
        raise _fail(str(exc)) from exc
    finally:
        runtime.close()


@app.command()
def agents(
    period: Period = None,
    since: Since = None,
    until: Until = None,
    team: Annotated[str | None, typer.Option(help="only this team's agents")] = None,
    scorecard: ScorecardName = "default",
    version: Version = None,
    output_format: Format = StoreFormat.TABLE,
) -> None:
    """Per-agent quality from the store: n, mean with 95% CI, pass rates, critical failures,
    the conversations to review first (the numbers of GET /v1/agents)."""
    from api.routers.agents import describe_agents
    from api.schemas.agents import AgentList
    from api.store import queries

    start = _since(period, since, until)
    with store() as runtime, runtime.sessions() as session:
        card = queries.scorecard_version(session, scorecard, version)
        selection = queries.Filters(team=team, since=start, until=until).checked()
        stats = queries.agent_stats(session, card.id, selection,
                                    trend=output_format is StoreFormat.JSON)
        listing = AgentList(scorecard=card.scorecard_name, version=card.version,
                            since=selection.since, until=selection.until,
                            agents=describe_agents(session, stats))
    if output_format is StoreFormat.JSON:
        _write(listing.model_dump_json(indent=2))
    elif output_format is StoreFormat.CSV:
        _write(_agents_csv(listing))
    else:
        _agents_table(listing)


def _agents_csv(listing: Any) -> str:
    import csv
    import io

    names = list(dict.fromkeys(n for a in listing.agents for n in a.pass_rates))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["agent_id", "display_name", "team", "n", "scored", "mean", "ci_low",
                     "ci_high", "pass_rate", "critical_failures",
                     *[f"{n}_pass_rate" for n in names], "worst"])
    for a in listing.agents:
        writer.writerow([a.agent_id, a.display_name or "", a.team or "", a.n, a.scored,
                         _cell(a.mean), _cell(a.ci_low), _cell(a.ci_high), _cell(a.pass_rate),
                         a.critical_failures, *[_cell(a.pass_rates.get(n)) for n in names],
                         ";".join(w.external_id for w in a.worst)])
    return out.getvalue()


def _agents_table(listing: Any) -> None:
    """The table of `iqs score` (scorer/report.py's print_table), read from the store."""
    from scorer.report import agent_table

    version = f"{listing.scorecard!r} v{listing.version}"
    table = agent_table(f"Agent quality — scorecard {version}{_period_text(listing)}",
                        listing.agents,
                        lambda agent: [w.external_id for w in agent.worst[:3]])
    console = _console()
    console.print(table)
    total = sum(a.n for a in listing.agents)
    console.print(f"{total} conversations scored, {len(listing.agents)} agents.")


@app.command()
def conversations(
    agent: Annotated[str | None, typer.Option(
        help='agent id; "(unknown)": conversations without an agent')] = None,
    team: Annotated[str | None, typer.Option(help="team id of the agent")] = None,
    channel: Annotated[str | None, typer.Option(help="call or chat")] = None,
    language: Annotated[str | None, typer.Option(help="language code, e.g. en")] = None,
    period: Period = None,
    since: Since = None,
    until: Until = None,
    min_score: Annotated[float | None, typer.Option(min=0, max=100)] = None,
    max_score: Annotated[float | None, typer.Option(min=0, max=100)] = None,
    critical: Annotated[bool | None, typer.Option(
        "--critical/--no-critical", help="with / without a critical failure")] = None,
    passed: Annotated[bool | None, typer.Option(
        "--passed/--failed", help="passed / did not pass")] = None,
    criterion_failed: Annotated[str | None, typer.Option(
        help="this criterion applied and failed, e.g. greeting")] = None,
    scorecard: ScorecardName = "default",
    version: Version = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many, newest first")] = 50,
    output_format: Format = StoreFormat.TABLE,
) -> None:
    """Stored conversations with their scores, newest first (GET /v1/conversations)."""
    from api.schemas.conversations import ConversationItem
    from api.store import queries

    if channel is not None and channel not in ("call", "chat"):
        raise typer.BadParameter("call or chat", param_hint="--channel")
    filters = queries.Filters(
        agent_id=agent, team=team, channel=channel, language=language,
        since=_since(period, since, until), until=until, min_score=min_score,
        max_score=max_score, critical=critical, criterion_failed=criterion_failed,
        passed=passed)
    with store() as runtime, runtime.sessions() as session:
        card = queries.scorecard_version(session, scorecard, version)
        queries.check_criterion(card, criterion_failed)
        items: list[queries.ScoredConversation] = []
        cursor = None
        while len(items) < limit:
            page = queries.list_conversations(
                session, card.id, filters, cursor, min(queries.MAX_LIMIT, limit - len(items)),
                with_results=output_format is StoreFormat.CSV)
            items += page.items
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        if output_format is StoreFormat.CSV:
            _write("".join(queries.csv_chunks([items], card.scorecard_name)))
            return
        rows = [ConversationItem.of(i) for i in items]
        name, number = card.scorecard_name, card.version
    if output_format is StoreFormat.JSON:
        _write(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False,
                          indent=2))
        return
    table = Table(title=f"Conversations — scorecard {name!r} v{number}")
    for column in ("id", "conversation", "agent", "channel", "language", "when (UTC)", "score",
                   "passed", "critical failures"):
        table.add_column(column, justify="right" if column in ("id", "score") else "left")
    for r in rows:
        table.add_row(str(r.id), r.external_id, r.agent_id or "—", r.channel, r.language or "—",
                      r.occurred_at.strftime("%Y-%m-%d %H:%M"), _fmt(r.score, "{:.1f}"),
                      "yes" if r.passed else "no", ", ".join(r.critical_failures))
    console = _console()
    console.print(table)
    console.print(f"{len(rows)} conversations" + (" (more with --limit)"
                                                   if len(rows) == limit else "."))


def _period_text(listing: Any) -> str:
    if listing.since is None and listing.until is None:
        return ""
    since = listing.since.strftime("%Y-%m-%d %H:%M") if listing.since else "…"
    until = listing.until.strftime("%Y-%m-%d %H:%M") if listing.until else "now"
    return f", {since} – {until}"


def _console() -> Console:
    console = Console()
    if not console.is_terminal:
        console.width = 160  # logs and files: wide enough for every criterion column
    return console


def _write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)


def _cell(value: float | None) -> str:
    return "" if value is None else str(value)


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(2)

