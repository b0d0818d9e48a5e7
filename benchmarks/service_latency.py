"""Read latency of the QA service with 10,000 stored conversations: p50/p99 of `GET
/v1/agents`, `GET /v1/conversations` with filters (agent, period, score range, criterion
failed, a team's pages by cursor) and `GET /v1/conversations/{id}` at 10 concurrent clients
(locust, headless, against `iqs serve` on 127.0.0.1), on SQLite and on PostgreSQL.

    python benchmarks/service_latency.py                       # both stores, 60 s each
    python benchmarks/service_latency.py --backends pg --seconds 120 --users 10
    python benchmarks/service_latency.py --conversations 200 --base 20 --seconds 5   # smoke

How the 10,000 are made (scoring 10,000 real chats would take most of an hour on 2 cores):
`--base` real conversations (STC-3 English dialogues, the ABCD sample and the sample chats) are
imported and scored with `iqs import`; their score runs are then copied, with every criterion
result and its evidence, onto new conversation rows (new ids and content keys, the same
turns) until there are `--conversations`; every conversation, the real ones included, is
given one of 50 agents in 5 teams and a time spread over the last 12 weeks. So the rows,
indexes and JSON sizes are those of real scored chats; the score distribution is that of the
base set, repeated.

Every store is temporary (a folder under /tmp, a PostgreSQL schema of database `test`,
dropped afterwards); the server and locust are ended when the run ends.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.service_common import (
    REPO,
    SHARED,
    LoadSampler,
    exit_on_sigterm,
    markdown,
    pg_schema,
    print_environment,
    run_iqs,
    served,
    service_env,
    tail,
)

STC3_EN = SHARED / "corpora" / "stc3_dch1" / "train_data_en.json"
EXTRA = [SHARED / "corpora" / "abcd_sample" / "abcd_sample.json",
         *sorted(p for p in (REPO / "samples" / "chats").iterdir()
                 if p.is_file() and p.name != "README.md")]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
BACKENDS = ("sqlite", "pg")
TEAMS = ["north", "south", "east", "west", "central"]
FIRST_NAMES = ["Anna", "Leo", "Mark", "Olga", "Sara", "Nurul", "Lena", "Omar", "Mei", "Raj"]


# --- building the store ------------------------------------------------------------------------

def base_folder(folder: Path, base: int) -> Path:
    """The real conversations to import: the small sources linked, then STC-3 English
    dialogues up to `base` conversations in all."""
    from scorer.readers import ReaderOptions, read_file

    folder.mkdir(parents=True)
    count = 0
    for path in EXTRA:
        found = len(read_file(path, ReaderOptions()))
        if count + found > base:
            break
        (folder / path.name).symlink_to(path)
        count += found
    dialogues = json.loads(STC3_EN.read_text(encoding="utf-8"))[:max(0, base - count)]
    if dialogues:
        (folder / "stc3-en.json").write_text(json.dumps(dialogues, ensure_ascii=False),
                                             encoding="utf-8")
    return folder


@dataclass
class Built:
    total: int = 0
    import_seconds: float = 0.0
    replicate_seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def replicate(url: str, total: int, agents: int, teams: int, weeks: int,
              seed: int) -> dict[str, Any]:
    """Copy the stored score runs onto new conversations up to `total`, give every
    conversation an agent, a team and a time; the ids the load test needs."""
    from sqlalchemy import bindparam, func, insert, select, update

    from api.store import tables as t
    from api.store.db import make_engine

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(weeks=weeks)
    team_ids = TEAMS[:teams] + [f"team-{n}" for n in range(len(TEAMS), teams)]
    agent_ids = [f"agent-{n:03d}" for n in range(1, agents + 1)]

    def when() -> datetime:
        day = start + timedelta(days=rng.randrange(weeks * 7))
        return day.replace(hour=rng.randrange(8, 18), minute=rng.randrange(60),
                           second=rng.randrange(60))

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            version_id = connection.scalar(
                select(t.ScorecardVersion.id).where(t.ScorecardVersion.scorecard_name == "default")
                .order_by(t.ScorecardVersion.version.desc()).limit(1))
            latest = (select(func.max(t.ScoreRun.id)).where(
                t.ScoreRun.scorecard_version_id == version_id)
                .group_by(t.ScoreRun.conversation_id)).scalar_subquery()
            runs = [dict(r._mapping) for r in connection.execute(
                select(t.ScoreRun).where(t.ScoreRun.id.in_(latest)).order_by(t.ScoreRun.id))]
            if not runs:
                raise RuntimeError("the base import stored no score runs")
            conversations = {r.id: dict(r._mapping) for r in connection.execute(
                select(t.Conversation).where(t.Conversation.id.in_(
                    [run["conversation_id"] for run in runs])))}
            results: dict[int, list[dict[str, Any]]] = {}
            for row in connection.execute(select(t.CriterionResult).where(
                    t.CriterionResult.run_id.in_([run["id"] for run in runs]))
                    .order_by(t.CriterionResult.id)):
                results.setdefault(row.run_id, []).append(dict(row._mapping))
            connection.execute(insert(t.Team), [
                {"id": team, "name": team.title(), "created_at": now} for team in team_ids])
            connection.execute(insert(t.Agent), [
                {"id": agent, "display_name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {n + 1:03d}",
                 "team_id": team_ids[n % len(team_ids)], "created_at": now}
                for n, agent in enumerate(agent_ids)])
            # The real conversations get an agent and a time too.
            moved = []
            for conversation_id in conversations:
                occurred = when()
                moved.append({"cid": conversation_id, "agent": rng.choice(agent_ids),
                              "occurred": occurred})
            connection.execute(
                update(t.Conversation).where(t.Conversation.id == bindparam("cid"))
                .values(agent_id=bindparam("agent"), occurred_at=bindparam("occurred"),
                        start_time=bindparam("occurred")), moved)
            for chunk in _chunks(list(range(max(0, total - len(runs)))), 2000):
                new_conversations, sources = [], []
                for n in chunk:
                    run = runs[n % len(runs)]
                    source = conversations[run["conversation_id"]]
                    occurred = when()
                    copy = {k: v for k, v in source.items() if k != "id"}
                    copy.update(
                        key=hashlib.sha256(f"bench-copy:{n}:{source['key']}".encode()).hexdigest(),
                        external_id=f"{source['external_id']}~copy{n}",
                        agent_id=rng.choice(agent_ids), occurred_at=occurred,
                        start_time=occurred, created_at=now)
                    new_conversations.append(copy)
                    sources.append(run)
                ids = connection.execute(
                    insert(t.Conversation).returning(t.Conversation.id,
                                                     sort_by_parameter_order=True),
                    new_conversations).scalars().all()
                new_runs = [{**{k: v for k, v in run.items() if k != "id"},
                             "conversation_id": cid, "job_id": None, "created_at": now}
                            for cid, run in zip(ids, sources, strict=True)]
                run_ids = connection.execute(
                    insert(t.ScoreRun).returning(t.ScoreRun.id, sort_by_parameter_order=True),
                    new_runs).scalars().all()
                new_results = [{**{k: v for k, v in result.items() if k != "id"},
                                "run_id": run_id}
                               for run_id, run in zip(run_ids, sources, strict=True)
                               for result in results.get(run["id"], [])]
                for part in _chunks(new_results, 5000):
                    connection.execute(insert(t.CriterionResult), part)
            failing = connection.execute(
                select(t.CriterionResult.name, func.count())
                .where(t.CriterionResult.applicable.is_(True),
                       t.CriterionResult.passed.is_(False))
                .group_by(t.CriterionResult.name).order_by(func.count().desc())).all()
            ids = list(connection.scalars(select(t.Conversation.id)))
            counts = {
                "conversations": len(ids),
                "score_runs": connection.scalar(select(func.count(t.ScoreRun.id))),
                "criterion_results": connection.scalar(select(func.count(t.CriterionResult.id))),
            }
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                from sqlalchemy import text

                connection.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return {"since": start.isoformat(), "until": now.isoformat(), "agents": agent_ids,
            "teams": team_ids, "conversations": ids,
            "criteria_failed": [name for name, _ in failing[:4]] or ["greeting"],
            "counts": counts, "failing": {name: n for name, n in failing}}


def build_store(backend: str, url: str, env: dict[str, str], work: Path,
                args: argparse.Namespace, log: Path) -> Built:
    built = Built()
    if backend == "pg":
        upgraded = run_iqs(["db", "upgrade"], env, 300, log)
        if upgraded.returncode != 0:
            raise RuntimeError(f"iqs db upgrade failed: {upgraded.stderr[-800:]}")
    folder = base_folder(work / f"base-{backend}", args.base)
    started = time.perf_counter()
    done = run_iqs(["import", str(folder)], env, args.timeout, log)
    built.import_seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"iqs import of the base set failed ({done.returncode}):\n"
                           f"{done.stdout[-800:]}\n{done.stderr[-800:]}")
    started = time.perf_counter()
    built.params = replicate(url, args.conversations, args.agents, args.teams, args.weeks,
                             args.seed)
    built.replicate_seconds = time.perf_counter() - started
    built.params["cursor_pages"] = args.pages
    built.total = built.params["counts"]["conversations"]
    return built


# --- load ----------------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p90: float
    p99: float
    rps: float


def single_client(base_url: str, params: dict[str, Any], repeats: int) -> dict[str, float]:
    """p50 ms of each kind of request sent one at a time (no concurrency): the service time."""
    import httpx

    rng = random.Random(1)
    since = params["since"][:19] + "Z"
    until = params["until"][:19] + "Z"
    kinds = {
        "GET /v1/agents?since&until": lambda: ("/v1/agents", {"since": since, "until": until}),
        "GET /v1/agents?since&until&trend=false": lambda: (
            "/v1/agents", {"since": since, "until": until, "trend": "false"}),
        "GET /v1/conversations?agent_id": lambda: (
            "/v1/conversations", {"agent_id": rng.choice(params["agents"])}),
        "GET /v1/conversations?criterion_failed": lambda: (
            "/v1/conversations", {"criterion_failed": rng.choice(params["criteria_failed"])}),
        "GET /v1/conversations/{id}": lambda: (
            f"/v1/conversations/{rng.choice(params['conversations'])}", None),
    }
    out = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for name, make in kinds.items():
            times = []
            for _ in range(repeats):
                path, query = make()
                started = time.perf_counter()
                client.get(path, params=query).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            out[name] = statistics.median(times)
    return out


def run_locust(base_url: str, params_file: Path, out: Path, args: argparse.Namespace,
               log: Path) -> tuple[list[Row], list[str]]:
    prefix = out / "locust"
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
               "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s",
               "--host", base_url, "--csv", str(prefix), "--only-summary",
               "--loglevel", "WARNING", "--stop-timeout", "10"]
    env = {**service_env(out), "IQS_BENCH_PARAMS": str(params_file),
           "IQS_BENCH_WAIT": str(args.wait)}
    with log.open("a") as output:
        output.write("$ " + " ".join(command) + "\n")
        output.flush()
        subprocess.run(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
                       timeout=args.seconds + 120)
    rows: list[Row] = []
    with (out / "locust_stats.csv").open(newline="") as handle:
        for record in csv.DictReader(handle):
            rows.append(Row(record["Name"], int(record["Request Count"]),
                            int(record["Failure Count"]), float(record["50%"] or "nan"),
                            float(record["90%"] or "nan"), float(record["99%"] or "nan"),
                            float(record["Requests/s"] or 0)))
    failures = []
    failures_csv = out / "locust_failures.csv"
    if failures_csv.exists():
        with failures_csv.open(newline="") as handle:
            failures = [f"{r['Occurrences']} × {r['Method']} {r['Name']}: {r['Error']}"
                        for r in csv.DictReader(handle)]
    return rows, failures


@dataclass
class Outcome:
    backend: str
    built: Built | None = None
    rows: list[Row] = field(default_factory=list)
    single: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    error: str | None = None


def run_backend(backend: str, args: argparse.Namespace, work: Path) -> Outcome:
    outcome = Outcome(backend)
    home = work / backend
    home.mkdir()
    log = home / "run.log"
    try:
        with ExitStack() as stack:
            url = (stack.enter_context(pg_schema("iqs_bench_latency")) if backend == "pg"
                   else None)
            env = service_env(home, url)
            store_url = url or f"sqlite:///{home / 'iqs.db'}"
            outcome.built = build_store(backend, store_url, env, work, args, log)
            params_file = home / "params.json"
            params_file.write_text(json.dumps(outcome.built.params))
            with served(env, home / "serve.log") as base_url:
                outcome.single = single_client(base_url, outcome.built.params, args.single)
                outcome.rows, outcome.failures = run_locust(base_url, params_file, home, args,
                                                            log)
    except Exception as exc:  # reported in the table; the other backend still runs
        outcome.error = f"{type(exc).__name__}: {exc}\n{tail(log, 2000)}"
    return outcome


# --- the report ----------------------------------------------------------------------------------

def report(outcomes: list[Outcome], args: argparse.Namespace) -> None:
    print("## The store\n")
    rows: list[tuple[Any, ...]] = []
    for o in outcomes:
        if o.built:
            counts = o.built.params["counts"]
            rows.append((o.backend, args.base, o.built.import_seconds, counts["conversations"],
                         counts["score_runs"], counts["criterion_results"],
                         o.built.replicate_seconds,
                         ", ".join(o.built.params["criteria_failed"])))
    print(markdown(["store", "real conversations imported", "import s", "conversations",
                    "score runs", "criterion results", "copying s",
                    "criteria used for criterion_failed"], rows))
    print(f"\nHow the store was made: {args.base} real conversations imported and "
          f"scored with `iqs import`, their score runs copied (with every criterion result) "
          f"onto new conversation rows up to {args.conversations}; {args.agents} agents in "
          f"{args.teams} teams, times over the last {args.weeks} weeks (seed {args.seed}).\n")
    print(f"## Latency at {args.users} concurrent clients, {args.seconds} s per store "
          f"(locust, no think time)\n")
    rows = []
    for o in outcomes:
        for r in o.rows:
            rows.append((o.backend, r.name, r.requests, r.failures, r.p50, r.p90, r.p99, r.rps))
    print(markdown(["store", "request", "requests", "failures", "p50 ms", "p90 ms", "p99 ms",
                    "req/s"], rows))
    print("\nOne request at a time (no concurrency), median of "
          f"{args.single} each, ms:\n")
    names = sorted({n for o in outcomes for n in o.single})
    print(markdown(["request", *[o.backend for o in outcomes]],
                   [(n, *[o.single.get(n, float("nan")) for o in outcomes]) for n in names]))
    print()
    problems = [(o.backend, f) for o in outcomes for f in o.failures] + \
        [(o.backend, o.error[:1500]) for o in outcomes if o.error]
    print("## Failures\n")
    print(markdown(["store", "failure"], problems) if problems else "none")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help="comma-separated: sqlite, pg (default: both)")
    parser.add_argument("--conversations", type=int, default=10_000,
                        help="conversations in the store")
    parser.add_argument("--base", type=int, default=500,
                        help="real conversations imported and scored before copying")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--teams", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seconds", type=int, default=60, help="locust run time per store")
    parser.add_argument("--users", type=int, default=10, help="concurrent locust users")
    parser.add_argument("--wait", type=float, default=0.0,
                        help="think time between a user's requests, seconds")
    parser.add_argument("--pages", type=int, default=3,
                        help="pages a cursor walk reads")
    parser.add_argument("--single", type=int, default=20,
                        help="requests of each kind sent one at a time before the load")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds allowed for the base import")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - set(BACKENDS):
        parser.error(f"backends: choose from {BACKENDS}")
    print("# IQS service read latency\n")
    print(f"Command: python benchmarks/service_latency.py {' '.join(argv or sys.argv[1:])}\n")
    print_environment(["postgresql"] if "pg" in backends else [])
    outcomes = []
    with LoadSampler() as load, tempfile.TemporaryDirectory(prefix="iqs-bench-latency-") as folder:
        for backend in backends:
            print(f"(building and loading {backend} ...)", file=sys.stderr, flush=True)
            outcomes.append(run_backend(backend, args, Path(folder)))
            if outcomes[-1].error:
                print(f"({backend} failed: {outcomes[-1].error[:3000]})", file=sys.stderr)
    report(outcomes, args)
    print(load.line())
    bad = any(o.error or o.failures or any(r.failures for r in o.rows) for o in outcomes)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
