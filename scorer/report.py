"""Rendering a score report as JSON, CSV or a terminal table."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from rich.console import Console
from rich.table import Table

from scorer.batch import ScoreReport


def to_json(report: ScoreReport) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)


def to_csv(report: ScoreReport) -> str:
    """One row per conversation; a score column and a passed column per criterion."""
    names = list(dict.fromkeys(n for c in report.conversations for n in c.criteria))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "agent_id", "channel", "language", "score", "passed",
                     "critical_failures", *[f"{n}_{k}" for n in names for k in ("score",
                                                                               "passed")]])
    for c in report.conversations:
        cells: list[object] = [c.id, c.agent_id or "", c.channel.value, c.language or "",
                               "" if c.score is None else c.score, c.passed,
                               ";".join(c.critical_failures)]
        for name in names:
            result = c.criteria.get(name)
            applicable = result is not None and result.applicable
            cells += [result.score if result and applicable else "",
                      result.passed if result and applicable else ""]
        writer.writerow(cells)
    return out.getvalue()


class AgentNumbers(Protocol):
    """What a row of the per-agent table shows (AgentSummary, or the store's numbers)."""

    agent_id: str
    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    pass_rate: float | None
    critical_failures: int
    pass_rates: dict[str, float | None]


def agent_table(title: str, agents: Sequence[AgentNumbers],
                review_first: Callable[[Any], Iterable[str]]) -> Table:
    """The per-agent table: numbers, pass rate per criterion, conversations to review first."""
    names = list(dict.fromkeys(n for a in agents for n in a.pass_rates))
    table = Table(title=title)
    for column in ("agent", "n", "mean", "95% CI", "passed", "critical"):
        table.add_column(column, justify="left" if column == "agent" else "right")
    for name in names:
        table.add_column(f"{name} pass", justify="right")
    table.add_column("review first")
    for agent in agents:
        interval = (f"{agent.ci_low:.1f}–{agent.ci_high:.1f}"
                    if agent.ci_low is not None and agent.ci_high is not None else "n<2")
        table.add_row(
            agent.agent_id, str(agent.n), _fmt(agent.mean, "{:.1f}"), interval,
            _fmt(agent.pass_rate, "{:.0%}"), str(agent.critical_failures),
            *[_fmt(agent.pass_rates.get(n), "{:.0%}") for n in names],
            ", ".join(review_first(agent)))
    return table


def print_table(report: ScoreReport, console: Console) -> None:
    """The per-agent table, then the files that could not be read."""
    console.print(agent_table(f"Agent quality — scorecard {report.scorecard!r}", report.agents,
                              lambda agent: agent.worst))
    console.print(f"{len(report.conversations)} conversations scored.")
    if report.failures:
        console.print(f"[bold red]{len(report.failures)} file(s) could not be read:[/]")
        for failure in report.failures:
            console.print(f"  {failure.location}: {failure.message}", markup=False)


def _fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)
