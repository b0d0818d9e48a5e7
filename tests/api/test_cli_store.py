"""`iqs agents` and `iqs conversations` read the configured store (IQS_HOME,
IQS_DATABASE_URL), SQLite and PostgreSQL, and print the API's numbers: the same as
scorer.aggregation.summarize_agents on the same scores."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import period_start
from scorer.aggregation import summarize_agents
from scorer.cli import app
from tests.api.conftest import STC3_AGENTS, ReadStore, Stored
from tests.api.serving import REPO

StoredNow = Callable[..., list[Stored]]


def iqs(store: ReadStore, *args: str) -> subprocess.CompletedProcess[str]:
    """`iqs ARGS` in its own process, configured for the store by environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IQS_")}
    if "IQS_SHARED_DIR" in os.environ:
        env["IQS_SHARED_DIR"] = os.environ["IQS_SHARED_DIR"]
    return subprocess.run([sys.executable, "-m", "scorer.cli", *args], cwd=REPO,
                          env={**env, **store.env}, capture_output=True, text=True,
                          timeout=300, check=False)


def invoke(store: ReadStore, *args: str) -> Any:
    """`iqs ARGS` within this process (CliRunner), configured the same way."""
    return CliRunner().invoke(app, list(args), env=store.env, catch_exceptions=False)


def _newest_first(rows: list[Stored]) -> list[int]:
    return [r.conversation.id for r in sorted(
        rows, key=lambda r: (r.conversation.occurred_at, r.conversation.id), reverse=True)]


def test_agents_json_csv_and_table(read_store: ReadStore, stored_now: StoredNow) -> None:
    expected = summarize_agents([r.score() for r in stored_now("lenient")], worst=5)
    done = iqs(read_store, "agents", "--scorecard", "lenient", "--format", "json")
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    assert listing["scorecard"] == "lenient" and listing["since"] is None
    assert [a["agent_id"] for a in listing["agents"]] == [e.agent_id for e in expected]
    for agent, summary in zip(listing["agents"], expected, strict=True):
        for name in ("n", "scored", "mean", "ci_low", "ci_high", "pass_rate",
                     "critical_failures", "pass_rates"):
            assert agent[name] == getattr(summary, name), (summary.agent_id, name)
        assert [w["external_id"] for w in agent["worst"]] == summary.worst
        assert sum(p["n"] for p in agent["trend"]) == agent["n"]

    table = invoke(read_store, "agents", "--scorecard", "lenient", "--format", "csv")
    assert table.exit_code == 0, table.output
    rows = list(csv.DictReader(io.StringIO(table.output)))
    assert [r["agent_id"] for r in rows] == [e.agent_id for e in expected]
    for row, summary in zip(rows, expected, strict=True):
        assert int(row["n"]) == summary.n
        assert row["mean"] == ("" if summary.mean is None else str(summary.mean))
        assert row["greeting_pass_rate"] == str(summary.pass_rates["greeting"])

    printed = invoke(read_store, "agents", "--scorecard", "lenient")
    assert printed.exit_code == 0, printed.output
    assert "Agent quality — scorecard 'lenient' v1" in printed.output
    assert "95% CI" in printed.output and "greeting" in printed.output
    for summary in expected:
        assert summary.agent_id in printed.output
    assert f"{sum(e.n for e in expected)} conversations scored" in printed.output


def test_agents_over_a_period(read_store: ReadStore, stored_now: StoredNow) -> None:
    recent = invoke(read_store, "agents", "--period", "30d", "--format", "json")
    assert recent.exit_code == 0, recent.output
    # Conversations without a start time count from when they were stored: now.
    since = datetime.now(UTC) - timedelta(days=29)
    new = [r for r in stored_now() if r.conversation.occurred_at >= since]
    assert {a["agent_id"]: a["n"] for a in json.loads(recent.output)["agents"]} == {
        s.agent_id: s.n for s in summarize_agents([r.score() for r in new])}
    assert not any(r.conversation.agent_id in STC3_AGENTS for r in new)
    window = invoke(read_store, "agents", "--scorecard", "lenient", "--since", "2024-03-18",
                    "--until", "2024-04-01", "--format", "json")
    listing = json.loads(window.output)
    rows = [r for r in stored_now("lenient")
            if "2024-03-18" <= r.conversation.occurred_at.isoformat() < "2024-04-01"]
    expected = {e.agent_id: e for e in summarize_agents([r.score() for r in rows], worst=5)}
    assert {a["agent_id"]: (a["n"], a["mean"], a["ci_low"]) for a in listing["agents"]} == {
        k: (e.n, e.mean, e.ci_low) for k, e in expected.items()}
    assert all([p["week"] for p in a["trend"]] == ["2024-03-18", "2024-03-25"]
               for a in listing["agents"] if a["agent_id"] in STC3_AGENTS)


def test_conversations_with_filters(read_store: ReadStore, stored_now: StoredNow) -> None:
    rows = stored_now("lenient")
    done = iqs(read_store, "conversations", "--scorecard", "lenient", "--agent", "stc-ana",
               "--min-score", "40", "--format", "json", "--limit", "7")
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)
    expected = _newest_first([r for r in rows if r.conversation.agent_id == "stc-ana"
                              and r.run.score is not None and r.run.score >= 40])
    assert [i["id"] for i in items] == expected[:7] and len(expected) > 7
    critical = invoke(read_store, "conversations", "--critical", "--criterion-failed",
                      "greeting", "--format", "csv", "--limit", "1000")
    assert critical.exit_code == 0, critical.output
    table = list(csv.DictReader(io.StringIO(critical.output)))
    assert [int(r["conversation_id"]) for r in table] == _newest_first([
        r for r in stored_now("default") if r.run.critical and any(
            c.name == "greeting" and c.applicable and c.passed is False
            for c in r.run.results)])
    assert all(r["greeting_passed"] == "False" for r in table)
    printed = invoke(read_store, "conversations", "--channel", "call", "--passed")
    assert printed.exit_code == 0, printed.output
    assert "a-sarah" in printed.output and "Conversations — scorecard 'default' v1" in \
        printed.output


@pytest.mark.parametrize(("args", "message"), [
    (["agents", "--period", "3x"], "expected a number and h, d or w"),
    (["agents", "--period", "30d", "--since", "2024-01-01"], "not both"),
    (["agents", "--scorecard", "nope"], "scorecard 'nope' not found"),
    (["agents", "--since", "2024-05-02", "--until", "2024-05-01"],
     "until: must be later than since"),
    (["conversations", "--criterion-failed", "charm"], "'charm' is not a criterion"),
    (["conversations", "--channel", "fax"], "call or chat"),
    (["conversations", "--limit", "0"], "--limit"),
])
def test_bad_options_are_named(read_store: ReadStore, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args, env=read_store.env)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_a_new_embedded_store_is_created(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["conversations", "--format", "json"],
                                env={"IQS_HOME": str(tmp_path), "IQS_DATABASE_URL": None})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [] and (tmp_path / "iqs.db").is_file()


def test_period_start() -> None:
    now = datetime(2024, 5, 31, 12, tzinfo=UTC)
    assert period_start("30d", now) == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert period_start("2w", now) == datetime(2024, 5, 17, 12, tzinfo=UTC)
    assert period_start("24h", now) == datetime(2024, 5, 30, 12, tzinfo=UTC)
