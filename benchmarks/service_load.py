"""Load on the secured QA service: a fixed total rate of requests (default 50/s for 300 s)
against `iqs serve` on 127.0.0.1 with API keys on, every role at once, each request carrying its
role's key: supervisors reading their team (agents, the team's conversations, a conversation),
an agent reading their own conversations and scores, an integration reading aggregates and its
jobs and importing one new chat per second (scored in the request), ml exporting one agent's week
as JSON Lines, qa reading failed criteria and conversations, an admin reading the audit log and
the metrics, and a trickle of requests without a valid key. A small share of requests is sent
deliberately outside a role's rights and must be refused (403 for a route the role may not call,
404 for an object outside its scope, 401 without a key); they are counted apart from the errors.

    python benchmarks/service_load.py                           # SQLite, 50 req/s, 300 s
    python benchmarks/service_load.py --backends sqlite pg --seconds 300 --rate 50
    python benchmarks/service_load.py --base 10 --conversations 40 --seconds 5 --rate 5  # smoke

The store: `--base` real conversations (the sample chats, the ABCD sample, STC-3 English
dialogues) imported and scored with `iqs import`, their score runs copied onto new rows up to
`--conversations` (as benchmarks/service_latency.py does), `--agents` agents in `--teams` teams
with times over the last `--weeks` weeks; then one key per role with `iqs keys create`
(agent: the agent with most conversations; supervisor: that agent's team). The chats imported
under load are STC-3 English dialogues that are not in the base set, each given an agent and a
time in the last week.

The per-key rate limit is raised for the load (`--rate-limit`, default 6000/minute: the busiest
key sends about 18 requests/s); the limit on refused attempts per address keeps its default.
After the load, unless --no-limit-check, a second server on the same store with a per-key limit
of `--check-limit` shows the 429 answers (with Retry-After) of a key over its limit, that another
key is not affected, and what refused attempts from one address do.

Each reading user sends `--user-rate` requests/s (default 1, so ~50 users at 50 req/s); the
users are the most requests that can be in flight at once, so `--user-rate 4` (~15 users) keeps
the server's concurrency under 16 while the total rate stays the same.

Prints per request kind: count, errors, p50/p95/p99/max ms, achieved requests/s; the anchors (0
errors, the rate held in every 10-s window, p99); the status codes; expected refusals and whether
each got its status; exceptions in the server log; and the machine's load and CPU use.

Every store is temporary (a folder under /tmp, a PostgreSQL schema of database `test`, dropped
afterwards); the servers and locust are ended when the run ends.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.service_common import (
    REPO,
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
from benchmarks.service_fuzz import server_exceptions
from benchmarks.service_latency import STC3_EN, build_store

LOCUSTFILE = Path(__file__).resolve().parent / "locust_auth.py"
BACKENDS = ("sqlite", "pg")
ROLES = ("admin", "qa", "supervisor", "agent", "ml", "integration")
SHARES = {"Supervisor": 0.36, "Agent": 0.22, "Integration": 0.18, "Qa": 0.10, "Ml": 0.08,
          "Admin": 0.04}
"""Shares of the read rate (the total less imports and requests without a key) per class."""
ROLE_OF = {"Supervisor": "supervisor", "Agent": "agent", "Integration": "integration",
           "Importer": "integration", "Qa": "qa", "Ml": "ml", "Admin": "admin",
           "Anonymous": "(no key)"}
KEY_TEXT = re.compile(r"iqs_[0-9a-f]{16}_[A-Za-z0-9_-]{20,100}")
WINDOW = 10.0


# --- the store, keys and inputs ------------------------------------------------------------------

def store_map(url: str) -> list[tuple[int, str | None, str | None]]:
    """(conversation id, agent id, team id) of every stored conversation."""
    from sqlalchemy import select

    from api.store import tables as t
    from api.store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(t.Conversation.id, t.Conversation.agent_id, t.Agent.team_id)
                .outerjoin(t.Agent, t.Agent.id == t.Conversation.agent_id)
                .order_by(t.Conversation.id)).all()
    finally:
        engine.dispose()
    return [(int(r[0]), r[1], r[2]) for r in rows]


def create_key(role: str, env: dict[str, str], log: Path, teams: Sequence[str] = (),
               agent: str | None = None) -> str:
    """`iqs keys create` for the role; the key it printed (once)."""
    command = ["keys", "create", "--role", role, "--name", f"load test {role}"]
    for team in teams:
        command += ["--team", team]
    if agent:
        command += ["--agent", agent]
    done = run_iqs(command, env, 300)
    with log.open("a") as out:  # the key itself is not written to the log
        out.write(f"$ iqs {' '.join(command)}\n(exit {done.returncode})\n"
                  f"{KEY_TEXT.sub('iqs_<key>', done.stdout + done.stderr)}\n")
    found = KEY_TEXT.findall(done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"iqs {' '.join(command)} failed ({done.returncode}) or printed no "
                           f"key:\n{KEY_TEXT.sub('iqs_<key>', done.stdout + done.stderr)[-1500:]}")
    return found[-1]


def import_inputs(path: Path, skip: int, count: int, agents: list[str], seed: int) -> int:
    """`count` STC-3 English dialogues after the first `skip` (the base set's), as IQS JSON
    chats, one per line, each with an agent and a time in the last week; how many written."""
    from scorer.readers import ReaderOptions, read_file

    dialogues = json.loads(STC3_EN.read_text(encoding="utf-8"))[skip:skip + count]
    if not dialogues:
        raise RuntimeError(f"no STC-3 dialogues left after the first {skip} for the imports")
    source = path.with_name("stc3-imports.json")
    source.write_text(json.dumps(dialogues, ensure_ascii=False), encoding="utf-8")
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    with path.open("w", encoding="utf-8") as out:
        conversations = read_file(source, ReaderOptions())
        for n, conversation in enumerate(conversations):
            data = conversation.model_dump(mode="json", exclude_none=True)
            data["id"] = f"load-{n:05d}-{data['id']}"
            data["agent_id"] = rng.choice(agents)
            data["start_time"] = (now - timedelta(seconds=rng.randrange(7 * 86400))).isoformat()
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
    return len(conversations)


def users(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Users per locust class and each user's rate (requests/s), for a total of args.rate."""
    reads = args.rate - args.imports - args.anonymous
    if reads <= 0:
        raise SystemExit("--rate must exceed --imports + --anonymous")
    out: dict[str, dict[str, float]] = {}
    for name, share in SHARES.items():
        rate = reads * share / sum(SHARES.values())
        count = max(1, round(rate / args.user_rate))
        out[name] = {"count": count, "rate": rate / count}
    if args.imports > 0:
        count = max(1, math.ceil(args.imports / 0.5))  # an import may take up to 2 s
        out["Importer"] = {"count": count, "rate": args.imports / count}
    if args.anonymous > 0:
        out["Anonymous"] = {"count": 1, "rate": args.anonymous}
    return out


def key_rates(spec: dict[str, dict[str, float]]) -> dict[str, float]:
    rates: dict[str, float] = defaultdict(float)
    for name, s in spec.items():
        rates[ROLE_OF[name]] += s["count"] * s["rate"]
    return dict(rates)


# --- the load ------------------------------------------------------------------------------------

@dataclass
class Kind:
    name: str
    count: int = 0
    errors: int = 0
    p50: float = math.nan
    p95: float = math.nan
    p99: float = math.nan
    max: float = math.nan
    rps: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100) of unsorted values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def summarise(name: str, records: list[dict[str, Any]], seconds: float) -> Kind:
    times = [r["ms"] for r in records]
    return Kind(name, len(records), sum(1 for r in records if not r["ok"]),
                percentile(times, 50), percentile(times, 95), percentile(times, 99),
                max(times) if times else math.nan, len(records) / seconds if seconds else 0.0,
                Counter(r["status"] for r in records))


def refused(name: str) -> bool:
    return ": refused: " in name or "without a key" in name or "unknown key" in name


@dataclass
class Load:
    seconds: float = 0.0
    kinds: list[Kind] = field(default_factory=list)
    groups: list[Kind] = field(default_factory=list)
    windows: list[float] = field(default_factory=list)
    """Requests started per second in each full 10-s window."""
    failures: list[str] = field(default_factory=list)
    cpu_busy: float = math.nan
    """Share of the machine's CPU time busy during the load (all processes, all cores)."""
    locust_exit: int | None = None


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all cores from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def run_locust(base_url: str, params_file: Path, home: Path, spec: dict[str, dict[str, float]],
               args: argparse.Namespace, log: Path) -> Load:
    total_users = int(sum(s["count"] for s in spec.values()))
    spawn_rate = total_users / args.spawn_seconds if args.spawn_seconds > 0 else total_users
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
               "-u", str(total_users), "-r", f"{spawn_rate:g}", "-t", f"{args.seconds}s",
               "--host", base_url, "--csv", str(home / "locust"), "--only-summary",
               "--loglevel", "WARNING", "--stop-timeout", "30"]
    env = {**service_env(home), "IQS_BENCH_PARAMS": str(params_file)}
    load = Load()
    busy0, total0 = cpu_times()
    with log.open("a") as output:
        output.write("$ " + " ".join(command) + "\n")
        output.flush()
        done = subprocess.run(command, cwd=REPO, env=env, stdout=output,
                              stderr=subprocess.STDOUT, timeout=args.seconds + 180)
    busy1, total1 = cpu_times()
    load.cpu_busy = (busy1 - busy0) / max(1, total1 - total0)
    load.locust_exit = done.returncode
    record = home / "requests.jsonl"
    if not record.exists():
        raise RuntimeError(f"locust wrote no request record (exit {done.returncode}):\n"
                           f"{tail(log, 3000)}")
    records = [json.loads(line) for line in record.read_text().splitlines() if line.strip()]
    if not records:
        raise RuntimeError("locust sent no request")
    first = min(r["t"] for r in records)
    last = max(r["t"] + r["ms"] / 1000 for r in records)
    load.seconds = max(1e-9, last - first)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_name[r["name"]].append(r)
    load.kinds = [summarise(name, rs, load.seconds) for name, rs in sorted(by_name.items())]
    imports = [r for r in records if r["name"].endswith("(1 new chat)")]
    denied = [r for r in records if refused(r["name"])]
    reads = [r for r in records
             if not r["name"].endswith("(1 new chat)") and not refused(r["name"])]
    load.groups = [summarise("all requests", records, load.seconds),
                   summarise("allowed reads", reads, load.seconds),
                   summarise("imports (POST /v1/conversations, 1 chat, scored inline)", imports,
                             load.seconds),
                   summarise("deliberately outside the role's rights (expect 401/403/404)",
                             denied, load.seconds)]
    counts: Counter[int] = Counter(int((r["t"] - first) // WINDOW) for r in records)
    full = int(load.seconds // WINDOW)
    load.windows = [counts.get(n, 0) / WINDOW for n in range(full)]
    failures = home / "locust_failures.csv"
    if failures.exists():
        import csv

        with failures.open(newline="") as handle:
            load.failures = [f"{r['Occurrences']} × {r['Method']} {r['Name']}: {r['Error']}"
                             for r in csv.DictReader(handle)]
    return load


def warm_up(base_url: str, keys: dict[str, str],
            imports_file: Path) -> list[tuple[str, int, float]]:
    """One import and one read before the load, not counted (the server loads its scoring
    models in its first import): (request, status, seconds)."""
    import httpx

    chats = imports_file.read_text(encoding="utf-8").splitlines()
    chat = json.loads(chats[-1])  # the last prepared chat; the load starts from the first
    chat["id"] = f"warm-up-{chat['id']}"
    out = []
    with httpx.Client(base_url=base_url, timeout=300) as client:
        for name, method, path, key, body in (
                ("POST /v1/conversations (1 chat)", "POST", "/v1/conversations",
                 keys["integration"], chat),
                ("GET /v1/agents", "GET", "/v1/agents", keys["admin"], None)):
            started = time.perf_counter()
            answer = client.request(method, path, json=body,
                                    headers={"Authorization": f"Bearer {key}"})
            out.append((name, answer.status_code, time.perf_counter() - started))
            if answer.status_code >= 300:
                raise RuntimeError(f"warm-up {name} answered {answer.status_code}: "
                                   f"{answer.text[:500]}")
    return out


# --- rate limits --------------------------------------------------------------------------------

def limit_check(env: dict[str, str], home: Path, keys: dict[str, str], limit: str,
                burst: int, refused_burst: int) -> list[tuple[str, str, str]]:
    """A server whose keys may send `limit`: a burst of one key, another key after it, then
    refused attempts (no key) from this address and a valid key after them. Rows of (step,
    statuses, notes)."""
    import httpx

    rows: list[tuple[str, str, str]] = []
    with served({**env, "IQS_RATE_LIMIT": limit}, home / "serve-limits.log") as base, \
            httpx.Client(base_url=base, timeout=60) as client:
        def get(key: str | None, path: str = "/v1/scorecards") -> httpx.Response:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            return client.get(path, headers=headers)

        answers = [get(keys["qa"]) for _ in range(burst)]
        codes = Counter(a.status_code for a in answers)
        retry = sorted({a.headers.get("retry-after", "-") for a in answers
                        if a.status_code == 429})
        rows.append((f"qa key: {burst} requests back to back (GET /v1/scorecards)",
                     ", ".join(f"{c}: {n}" for c, n in sorted(codes.items())),
                     f"Retry-After on the 429s: {', '.join(retry) or '-'}"))
        other = get(keys["ml"])
        rows.append(("ml key, right after", str(other.status_code),
                     "per-key limit: another key is not held back" if other.status_code == 200
                     else other.text[:200]))
        answers = [get(None) for _ in range(refused_burst)]
        codes = Counter(a.status_code for a in answers)
        first429 = next((n + 1 for n, a in enumerate(answers) if a.status_code == 429), None)
        rows.append((f"{refused_burst} requests without a key (GET /v1/scorecards)",
                     ", ".join(f"{c}: {n}" for c, n in sorted(codes.items())),
                     f"first 429 at request {first429}" if first429 else "no 429"))
        valid = get(keys["ml"])
        rows.append(("ml key from the same address, right after", str(valid.status_code),
                     (valid.headers.get("retry-after", "") and
                      f"Retry-After {valid.headers['retry-after']}: ") + valid.text[:160]))
    return rows


# --- one backend ---------------------------------------------------------------------------------

@dataclass
class Outcome:
    backend: str
    stored: int = 0
    import_seconds: float = 0.0
    imports_prepared: int = 0
    spec: dict[str, dict[str, float]] = field(default_factory=dict)
    load: Load | None = None
    limits: list[tuple[str, str, str]] = field(default_factory=list)
    tracebacks: Counter[str] = field(default_factory=Counter)
    serve_first_line: str = ""
    warmup: list[tuple[str, int, float]] = field(default_factory=list)
    error: str | None = None


def run_backend(backend: str, args: argparse.Namespace, work: Path) -> Outcome:
    outcome = Outcome(backend)
    home = work / backend
    home.mkdir()
    log = home / "run.log"
    try:
        with ExitStack() as stack:
            url = (stack.enter_context(pg_schema("iqs_bench_load")) if backend == "pg"
                   else None)
            env = service_env(home, url)
            store_url = url or f"sqlite:///{home / 'iqs.db'}"
            built = build_store(backend, store_url, env, work, args, log)
            outcome.import_seconds = built.import_seconds
            params = built.params
            rows = store_map(store_url)
            outcome.stored = len(rows)
            teams, agents = params["teams"], params["agents"]
            # the agent key's agent: the one with most conversations; the supervisor leads
            # that agent's team
            per_agent = Counter((a, t) for _, a, t in rows if a is not None and t is not None)
            (own, team), _ = per_agent.most_common(1)[0]
            keys = {role: create_key(role, env, log,
                                     teams=[team] if role == "supervisor" else [],
                                     agent=own if role == "agent" else None)
                    for role in ROLES}
            spec = users(args)
            outcome.spec = spec
            imports_file = home / "imports.jsonl"
            wanted = math.ceil(args.imports * args.seconds * 1.3) + 10
            outcome.imports_prepared = import_inputs(imports_file, args.base, wanted, agents,
                                                     args.seed)
            in_team = [c for c, _, t in rows if t == team]
            load_params = {
                "keys": keys, "since": params["since"], "until": params["until"],
                "teams": teams, "agents": agents, "conversations": [c for c, _, _ in rows],
                "criteria_failed": params["criteria_failed"],
                "supervisor": {"team": team, "conversations": in_team,
                               "outside": [c for c, _, t in rows if t != team]},
                "agent": {"agent_id": own, "conversations": [c for c, a, _ in rows if a == own],
                          "others": [c for c, a, _ in rows if a != own]},
                "imports_file": str(imports_file), "users": spec,
                "record": str(home / "requests.jsonl")}
            for what in ("conversations", "outside"):
                if not load_params["supervisor"][what]:
                    raise RuntimeError(f"no {what} conversations for the supervisor's team")
            params_file = home / "params.json"
            params_file.write_text(json.dumps(load_params))
            serve_env = {**env, "IQS_RATE_LIMIT": args.rate_limit}
            with served(serve_env, home / "serve.log") as base_url:
                import httpx

                outcome.serve_first_line = next(
                    (line for line in tail(home / "serve.log", 20000).splitlines()
                     if line.strip()), "")
                anonymous = httpx.get(f"{base_url}/v1/agents", timeout=60)
                if anonymous.status_code != 401:
                    raise RuntimeError(f"auth is not on: GET /v1/agents without a key answered "
                                       f"{anonymous.status_code}")
                outcome.warmup = warm_up(base_url, keys, imports_file)
                outcome.load = run_locust(base_url, params_file, home, spec, args, log)
            outcome.tracebacks = server_exceptions(home / "serve.log")
            if args.limit_check:
                outcome.limits = limit_check(env, home, keys, args.check_limit, args.burst,
                                             args.refused_burst)
                outcome.tracebacks += server_exceptions(home / "serve-limits.log")
    except Exception as exc:  # reported; the other backend still runs
        outcome.error = f"{type(exc).__name__}: {exc}\n{tail(log, 2000)}"
    return outcome


# --- the report ----------------------------------------------------------------------------------

def _statuses(counts: Counter[int]) -> str:
    return ", ".join(f"{c}: {n}" for c, n in sorted(counts.items()))


def report(outcomes: list[Outcome], args: argparse.Namespace) -> None:
    spec = users(args)
    rates = key_rates(spec)
    print("## Set-up\n")
    print(f"Target: {args.rate:g} requests/s in all for {args.seconds} s per store, of which "
          f"{args.imports:g}/s imports ({100 * args.imports / args.rate:.1f} %) and "
          f"{args.anonymous:g}/s without a valid key; the rest reads, split by role. locust "
          f"users, each `constant_throughput(rate)` (one request per task), started over "
          f"{args.spawn_seconds:g} s (the load's clock starts with the first request, so the "
          f"first windows include the ramp):\n")
    print(markdown(["class", "key", "users", "requests/s per user", "requests/s"],
                   [(name, ROLE_OF[name], int(s["count"]), s["rate"], s["count"] * s["rate"])
                    for name, s in spec.items()]))
    print(f"\n{int(sum(s['count'] for s in spec.values()))} users in all: at most that many "
          f"requests in flight (a user waits for its answer; one that falls behind its rate "
          f"does not catch up).")
    busiest = max(v for k, v in rates.items() if k != "(no key)")
    print(f"\nRate limits during the load: `IQS_RATE_LIMIT={args.rate_limit}` per key (the "
          f"busiest key sends {busiest:.1f} requests/s = {busiest * 60:.0f}/minute, so no 429 "
          f"is expected; the default 600/minute would refuse it); the refused-attempt limit "
          f"per address keeps its default (30/minute; the keyless requests send "
          f"{args.anonymous * 60:.0f}/minute). Store: {args.base} real conversations imported, "
          f"copied up to {args.conversations}; {args.agents} agents in {args.teams} teams over "
          f"{args.weeks} weeks; keys: one per role (agent: the agent with most "
          f"conversations; supervisor: that agent's team).\n")
    print(markdown(["store", "conversations at start", "base import s",
                    "new chats prepared for import", "warm-up (not counted)",
                    "server's first log line"],
                   [(o.backend, o.stored, o.import_seconds, o.imports_prepared,
                     "; ".join(f"{n}: {c} in {s:.1f} s" for n, c, s in o.warmup),
                     o.serve_first_line[:160]) for o in outcomes]))
    for o in outcomes:
        if o.load is None:
            continue
        load = o.load
        allg, _, imports, denied = load.groups
        errors = sum(k.errors for k in load.kinds if not refused(k.name))
        wrong = denied.errors
        print(f"\n## {o.backend}: {load.seconds:.0f} s of load\n")
        windows = load.windows
        held = (f"min {min(windows):.1f}, median {sorted(windows)[len(windows) // 2]:.1f}, "
                f"max {max(windows):.1f} over {len(windows)} windows of {WINDOW:.0f} s"
                if windows else "(run shorter than one window)")
        print(markdown(["anchor", "aim", "measured"], [
            ("errors (unexpected status, allowed requests)", "0", errors),
            ("expected refusals with a wrong status", "0", f"{wrong} of {denied.count}"),
            ("server errors (5xx), all requests", "0",
             sum(n for c, n in allg.statuses.items() if c >= 500)),
            ("requests/s achieved (whole run)", f"{args.rate:g}", f"{allg.rps:.1f}"),
            ("requests/s per 10-s window", f"{args.rate:g} in every window", held),
            ("p99 ms, all requests / allowed reads / imports", "-",
             f"{allg.p99:.0f} / {load.groups[1].p99:.0f} / {imports.p99:.0f}"),
            ("import share of requests", "~2 %",
             f"{100 * imports.count / max(1, allg.count):.1f} % ({imports.count} imports, "
             f"{imports.rps:.2f}/s)"),
            ("machine CPU busy during the load (all processes, both cores)", "-",
             f"{100 * load.cpu_busy:.0f} %"),
        ]))
        print()
        print(markdown(["request", "count", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms",
                        "req/s", "status codes"],
                       [(k.name, k.count, k.errors, k.p50, k.p95, k.p99, k.max, k.rps,
                         _statuses(k.statuses)) for k in load.groups + load.kinds]))
        if load.failures:
            print("\nFailures as locust grouped them:\n")
            print(markdown(["failure"], [(f[:600],) for f in load.failures]))
        if o.limits:
            print(f"\n### {o.backend}: rate limits (a second server on the store, "
                  f"`IQS_RATE_LIMIT={args.check_limit}`, refused-attempt limit as default)\n")
            print(markdown(["step", "status codes", "notes"], o.limits))
    print("\n## Exceptions in the server logs (last IQS frame -> exception)\n")
    rows = [(o.backend, n, where) for o in outcomes for where, n in o.tracebacks.most_common()]
    print(markdown(["store", "count", "where"], rows) if rows else "none")
    problems = [(o.backend, o.error[:2000]) for o in outcomes if o.error]
    if problems:
        print("\n## Failed runs\n")
        print(markdown(["store", "error"], problems))
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["sqlite"],
                        help="sqlite, pg (space- or comma-separated; default: sqlite)")
    parser.add_argument("--seconds", type=int, default=300, help="load time per store")
    parser.add_argument("--rate", type=float, default=50.0, help="total requests/s")
    parser.add_argument("--imports", type=float, default=1.0,
                        help="imports/s (one new chat each), part of --rate")
    parser.add_argument("--anonymous", type=float, default=0.1,
                        help="requests/s without a valid key (401), part of --rate")
    parser.add_argument("--user-rate", type=float, default=1.0,
                        help="requests/s of each reading user (more users for a higher rate)")
    parser.add_argument("--spawn-seconds", type=float, default=10.0,
                        help="users are started over this many seconds (0: all at once)")
    parser.add_argument("--base", type=int, default=200,
                        help="real conversations imported and scored before copying")
    parser.add_argument("--conversations", type=int, default=2000,
                        help="conversations in the store at the start")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--teams", type=int, default=4)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate-limit", default="6000/minute",
                        help="IQS_RATE_LIMIT (per key) during the load")
    parser.add_argument("--limit-check", action=argparse.BooleanOptionalAction, default=True,
                        help="after the load, check 429s on a server with a low limit")
    parser.add_argument("--check-limit", default="5/second",
                        help="IQS_RATE_LIMIT of the rate-limit check")
    parser.add_argument("--burst", type=int, default=20,
                        help="requests of one key in the rate-limit check")
    parser.add_argument("--refused-burst", type=int, default=35,
                        help="requests without a key in the rate-limit check")
    parser.add_argument("--save", type=Path, default=None,
                        help="copy the server logs, locust's output and the request record "
                             "here")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds allowed for the base import")
    args = parser.parse_args(argv)
    args.pages = 1  # build_store's parameter for the latency users (unused here)
    exit_on_sigterm()
    backends = [b.strip() for item in args.backends for b in item.split(",") if b.strip()]
    if set(backends) - set(BACKENDS):
        parser.error(f"backends: choose from {BACKENDS}")
    print("# IQS service load with keys on\n")
    print(f"Command: python benchmarks/service_load.py {' '.join(argv or sys.argv[1:])}\n")
    print_environment(["postgresql"] if "pg" in backends else [])
    outcomes = []
    with LoadSampler() as load, tempfile.TemporaryDirectory(prefix="iqs-bench-load-") as folder:
        for backend in backends:
            print(f"(building and loading {backend} ...)", file=sys.stderr, flush=True)
            outcomes.append(run_backend(backend, args, Path(folder)))
            if args.save:
                target = args.save / backend
                target.mkdir(parents=True, exist_ok=True)
                for name in ("serve.log", "serve-limits.log", "run.log", "requests.jsonl",
                             "locust_failures.csv", "locust_stats.csv"):
                    if (Path(folder) / backend / name).exists():
                        shutil.copy(Path(folder) / backend / name, target / name)
            if outcomes[-1].error:
                print(f"({backend} failed: {outcomes[-1].error[:3000]})", file=sys.stderr)
    report(outcomes, args)
    print(load.line())
    bad = any(o.error or o.load is None
              or any(k.errors for k in o.load.kinds)
              or any(c >= 500 for k in o.load.kinds for c in k.statuses) for o in outcomes)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
