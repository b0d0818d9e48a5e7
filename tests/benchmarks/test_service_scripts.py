"""The service benchmarks run end to end in a tiny mode (real `iqs import`, `iqs serve`, locust
and schemathesis processes against an embedded SQLite store) and print their tables; the full
sizes and their numbers are in benchmarks/SERVICE.md."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "benchmarks" / script), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def _rows(output: str, first_cell: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in output.splitlines() if line.startswith(f"| {first_cell}")]


@pytest.mark.parametrize("script", ["service_import.py", "service_latency.py",
                                    "service_fuzz.py"])
def test_help(script: str) -> None:
    done = _run(script, "--help", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout and "--" in done.stdout


def test_import_tiny_sqlite() -> None:
    done = _run("service_import.py", "--setups", "sqlite", "--conversations", "20",
                "--no-calls", "--no-probe", "--keep-logs")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "## Environment" in done.stdout and "cores" in done.stdout
    [row] = _rows(done.stdout, "SQLite, embedded")[:1]
    assert row[1] == "20/20"  # text stored / expected
    assert float(row[3]) > 0  # conversations/s
    assert row[-2:] == ["0", "0"]  # no duplicate runs, no failures
    [home] = re.findall(r"\(logs of sqlite: (\S+)\)", done.stdout)
    assert Path(home).parent.name.startswith("iqs-bench-import-")
    assert not Path(home).parent.exists()  # the temporary store is removed


def test_latency_tiny_sqlite() -> None:
    done = _run("service_latency.py", "--backends", "sqlite", "--conversations", "100",
                "--base", "12", "--seconds", "3", "--single", "2")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = {row[1]: row for row in _rows(done.stdout, "sqlite") if row[1].startswith("GET")}
    for name in ("GET /v1/agents?since&until", "GET /v1/conversations?agent_id",
                 "GET /v1/conversations?criterion_failed", "GET /v1/conversations/{id}"):
        assert name in rows, done.stdout
        assert int(rows[name][2]) > 0 and rows[name][3] == "0"  # requests, failures
    assert re.search(r"\| sqlite \| 12 \| [\d.]+ \| 100 \| 100 \|", done.stdout)


def test_fuzz_tiny_sqlite() -> None:
    done = _run("service_fuzz.py", "--backends", "sqlite", "--seconds", "3",
                "--max-examples", "5", "--no-calls", "--conversations", "5",
                "--phases", "examples,fuzzing")
    # exit 1 is what a server error gives: reported in the table, not a failure of the script
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    [row] = _rows(done.stdout, "sqlite")[:1]
    assert int(row[1]) > 0  # requests sent
    assert "error:" not in done.stdout, done.stdout[-3000:]


def test_load_tiny_sqlite() -> None:
    done = _run("service_load.py", "--backends", "sqlite", "--base", "10", "--conversations",
                "40", "--seconds", "5", "--rate", "5", "--spawn-seconds", "0", timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "## Environment" in done.stdout and "Command: python benchmarks/service_load.py" \
        in done.stdout
    rows = {row[0]: row for row in _rows(done.stdout, "") if len(row) == 9}
    assert int(rows["all requests"][1]) > 0 and rows["all requests"][2] == "0", done.stdout
    kinds = [name for name in rows if name.split(":")[0] in
             ("admin", "qa", "supervisor", "agent", "ml", "integration", "anonymous")]
    assert len(kinds) >= 5, done.stdout  # requests of the roles, each kind on its own row
    assert all(rows[name][2] == "0" for name in kinds), done.stdout  # no errors
    assert "| errors (unexpected status, allowed requests) | 0 | 0 |" in done.stdout
    assert "| requests/s per 10-s window |" in done.stdout
    # the rate-limit check: a key over its limit gets 429 with Retry-After
    assert re.search(r"\| qa key: 20 requests back to back .* \| 200: \d+, 429: \d+ \| "
                     r"Retry-After on the 429s: \d", done.stdout), done.stdout[-3000:]
