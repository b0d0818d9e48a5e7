"""Page load times of the review queue and of a 200-turn conversation page, signed in as qa:
the server's time to the full body (httpx with the key cookie) and the browser's time to the
`load` event (headless chromium, Navigation Timing), each over N loads, p50/p99/max.

The store holds the English STC-3 import (`iqs import`, default scorecard: the queue is full)
and one 200-turn chat assembled for the benchmark from STC-3 turns in their order (consecutive
dialogues joined), imported with `iqs import`. `--home` reuses a store that already holds the
STC-3 import (e.g. benchmarks/review_e2e.py's); `--dialogues N` imports only the first N.

    python benchmarks/page_load.py [--home DIR] [--loads 100] [--dialogues N] [--turns 200]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.review_e2e import CORPORA, conversation_ids, iqs
from benchmarks.review_e2e_pages import signed_in
from benchmarks.service_common import SHARED, markdown, served, service_env

STC3 = SHARED / "corpora" / CORPORA["stc3_dch1"]
LONG_CHAT = "stc3-assembled-{turns}-turns"


def assembled_chat(dialogues: list[dict[str, Any]], turns: int) -> dict[str, Any]:
    """A chat of `turns` STC-3 turns taken in order from consecutive dialogues (a turn's
    utterances joined), helpdesk turns as the agent's."""
    taken: list[dict[str, str]] = []
    for dialogue in dialogues:
        for turn in dialogue["turns"]:
            role = "agent" if turn["sender"] == "helpdesk" else "customer"
            taken.append({"role": role, "text": " ".join(turn["utterances"])})
            if len(taken) == turns:
                return {"id": LONG_CHAT.format(turns=turns), "channel": "chat",
                        "language": "en", "agent_id": "a-stc3-helpdesk", "turns": taken}
    raise SystemExit(f"STC-3 has fewer than {turns} turns")


def fill(home: Path, env: dict[str, str], dialogues: int | None, turns: int) -> str:
    """Import STC-3 (unless the store has it) and the assembled chat; say what was imported."""
    everything = json.loads(STC3.read_text(encoding="utf-8"))
    chat = home / "assembled-chat.json"
    chat.write_text(json.dumps([assembled_chat(everything, turns)]), encoding="utf-8")
    files = [chat]
    if dialogues is not None or not (home / "iqs.db").exists():
        cut = home / "stc3.json"
        cut.write_text(json.dumps(everything[:dialogues]), encoding="utf-8")
        files.insert(0, cut)
    return iqs(env, "import", *map(str, files))


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p99 (nearest rank) and max, in ms."""
    ordered = sorted(samples)
    rank = math.ceil(0.99 * len(ordered)) - 1
    return statistics.median(ordered), ordered[rank], ordered[-1]


def timed(load: Callable[[], float], loads: int) -> list[float]:
    load()  # one warm-up load, not counted
    return [load() for _ in range(loads)]


def server_load(client: httpx.Client, path: str) -> Callable[[], float]:
    def once() -> float:
        started = time.perf_counter()
        answer = client.get(path)
        answer.read()
        assert answer.status_code == 200, (path, answer.status_code)
        return (time.perf_counter() - started) * 1000
    return once


def browser_load(page: Any, path: str) -> Callable[[], float]:
    def once() -> float:
        page.goto(path, wait_until="load")
        return float(page.evaluate(
            "performance.getEntriesByType('navigation')[0].loadEventEnd"))
    return once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a store with the STC-3 import (default: a "
                                                  "temporary one, filled here)")
    parser.add_argument("--dialogues", type=int, help="import only the first N STC-3 dialogues")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--loads", type=int, default=100)
    args = parser.parse_args()
    with ExitStack() as stack:
        home = args.home or Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="iqs-page-load-")))
        env = service_env(home, IQS_RATE_LIMIT="", IQS_REFUSED_RATE_LIMIT="")
        print(f"Import: {fill(home, env, args.dialogues, args.turns)}", flush=True)
        key = iqs(env, "keys", "create", "--role", "qa", "--name", "page-load benchmark")
        base = stack.enter_context(served(env, home / "serve.log"))
        client = stack.enter_context(httpx.Client(base_url=base, timeout=120))
        signed = client.post("/sign-in", data={"key": key, "next": "/queue"})
        assert signed.status_code == 303 and signed.headers["location"] == "/queue", signed.text
        ids = conversation_ids(client)
        long_chat = ids[LONG_CHAT.format(turns=args.turns)]
        queue_rows = client.get("/queue").text.count("<tr data-item")
        paths = {f"/queue ({queue_rows} rows shown)": "/queue",
                 f"/conversations/{{id}} ({args.turns} turns)": f"/conversations/{long_chat}"}
        page = stack.enter_context(signed_in(base, key))
        before = os.getloadavg()
        rows = []
        for name, path in paths.items():
            for how, load in (("server: full body (httpx)", server_load(client, path)),
                              ("browser: load event (chromium)", browser_load(page, path))):
                p50, p99, most = percentiles(timed(load, args.loads))
                rows.append([name, how, args.loads, f"{p50:.1f}", f"{p99:.1f}", f"{most:.1f}"])
        load_avg = os.getloadavg()
        print(f"Command: `python benchmarks/page_load.py {' '.join(sys.argv[1:])}`",
              f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average (1, 5, 15 min) "
              f"before the loads {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, after "
              f"{load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f} ({os.cpu_count()} cores)",
              f"Store: {len(ids)} conversations (SQLite, {home}); the queue's default page "
              f"shows {queue_rows} rows", "",
              markdown(["page", "measured", "loads", "p50 ms", "p99 ms", "max ms"], rows),
              sep="\n")


if __name__ == "__main__":
    main()
