"""benchmarks/review_e2e.py and benchmarks/page_load.py run end to end on tiny inputs (real
`iqs import`, `iqs keys create`, `iqs serve` and headless chromium), so that they cannot rot;
the full runs and their numbers are in benchmarks/REVIEW_E2E.md and benchmarks/PAGES.md."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent")]


def _run(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_review_e2e_three_reviews_through_the_pages(tmp_path: Path) -> None:
    out = _run("review_e2e.py", "--limit", "3", "--subset", "--out", str(tmp_path / "r.md"),
               "--shots", str(tmp_path / "shots"))
    # 3 flagged STC-3 reviews and the Harper Valley call, each stored as the form was filled
    assert "Reviews submitted through the pages: 4 " in out and "stored as filled: 4/4" in out
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.strip("|\n").split("|")]
            for line in out.splitlines() if re.match(r"\| (greeting|farewell) \|", line)}
    for name in ("greeting", "farewell"):  # the service's n equals the label file's
        assert rows[name][1] == rows[name][8] == "4", out
    # too few labels in 4 reviews: each job fails and says why
    assert out.count("Answer: 202") == 2 and "training needs at least" in out, out
    assert (tmp_path / "r.md").read_text().strip() == out.strip()
    assert sorted(p.name for p in (tmp_path / "shots").iterdir()) == [
        "agent.png", "agreement.png", "conversation-empathy.png", "queue.png"]


def test_page_load_five_loads() -> None:
    out = _run("page_load.py", "--dialogues", "5", "--turns", "40", "--loads", "5")
    rows = [line for line in out.splitlines() if line.startswith("| /")]
    assert len(rows) == 4, out  # two pages, server and browser
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2] == "5" and 0 < float(cells[3]) <= float(cells[4]) <= float(cells[5])
