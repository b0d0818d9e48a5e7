"""An OpenAPI fuzzer against the running QA service: schemathesis (v4) reads `iqs serve`'s
/openapi.json and sends generated requests to every operation (examples, coverage, fuzzing and
stateful phases, `--checks all`) for a bounded time and number of examples, against a store
with real conversations (chats, the ABCD and Harper Valley samples, STC-3 dialogues and, unless
--no-calls, the two sample calls with their audio). Prints the requests sent, the status codes,
every server error (5xx) with the request that caused it, and the other checks that failed.
The aim is 0 server errors.

    python benchmarks/service_fuzz.py                        # SQLite and PostgreSQL, 300 s each
    python benchmarks/service_fuzz.py --backends pg --seconds 120 --max-examples 50
    python benchmarks/service_fuzz.py --seconds 5 --no-calls --conversations 10    # smoke
    python benchmarks/service_fuzz.py --role supervisor:stc-team     # auth on, one role's key

With --role (or IQS_FUZZ_ROLE) the server is secured: a key of that role is created in each
temporary store (`iqs keys create`) and every request carries it (`Authorization: Bearer`);
--key (or IQS_FUZZ_KEY) sends a key of your own instead (one that store will know). Rate limits
are off on the fuzzed server, so that 429s do not hide other answers.

Every store is temporary (a folder under /tmp or a PostgreSQL schema of database `test`,
dropped afterwards); the server is ended when the run ends.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
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

BACKENDS = ("sqlite", "pg")
CORPORA = SHARED / "corpora"
SOURCES = [CORPORA / "abcd_sample" / "abcd_sample.json",
           *sorted((CORPORA / "harper_valley_sample").glob("*.json")),
           *sorted(p for p in (REPO / "samples" / "chats").iterdir()
                   if p.is_file() and p.name != "README.md")]
STC3_EN = CORPORA / "stc3_dch1" / "train_data_en.json"
CALLS = REPO / "samples" / "calls"


def store_folder(folder: Path, conversations: int) -> Path:
    folder.mkdir(parents=True)
    for path in SOURCES:
        (folder / path.name).symlink_to(path)
    dialogues = json.loads(STC3_EN.read_text(encoding="utf-8"))[:max(0, conversations)]
    if dialogues:
        (folder / "stc3-en.json").write_text(json.dumps(dialogues, ensure_ascii=False),
                                             encoding="utf-8")
    return folder


@dataclass
class ServerError:
    method: str
    url: str
    status: int
    body: str
    response: str


@dataclass
class Outcome:
    backend: str
    stored: str = ""
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    per_operation: Counter[str] = field(default_factory=Counter)
    server_errors: list[ServerError] = field(default_factory=list)
    summary: str = ""
    checks: Counter[tuple[str, str]] = field(default_factory=Counter)
    tracebacks: Counter[str] = field(default_factory=Counter)
    """The server log's exceptions: last frame of our code and the exception line, counted."""
    seconds: float = 0.0
    exit_code: int | None = None
    error: str | None = None
    key: str | None = field(default=None, repr=False)
    """The API key sent with every request (None: open mode)."""


def _text(content: dict[str, Any] | None, limit: int = 600) -> str:
    if not content:
        return ""
    text = content.get("text") or ""
    if content.get("encoding") == "base64":
        with suppress(ValueError):
            text = base64.b64decode(text).decode("utf-8", "replace")
    return text[:limit]


def operation_of(method: str, path: str, templates: list[tuple[re.Pattern[str], str]]) -> str:
    """`METHOD /template/{param}` of a request path (the path itself when none matches)."""
    for pattern, template in templates:
        if pattern.fullmatch(path):
            return f"{method} {template}"
    return f"{method} {path} (not in the schema)"


def path_templates(base_url: str) -> list[tuple[re.Pattern[str], str]]:
    import httpx

    paths = httpx.get(f"{base_url}/openapi.json", timeout=60).json().get("paths", {})
    ordered = sorted(paths, key=lambda p: (p.count("{"), -len(p)))  # literal paths first
    return [(re.compile(re.sub(r"\\{[^}]+\\}", "[^/]*", re.escape(p))), p) for p in ordered]


def read_har(path: Path, outcome: Outcome,
             templates: list[tuple[re.Pattern[str], str]]) -> None:
    from urllib.parse import unquote, urlsplit

    har = json.loads(path.read_text(encoding="utf-8"))
    for entry in har.get("log", {}).get("entries", []):
        request, response = entry.get("request", {}), entry.get("response", {})
        status = int(response.get("status") or 0)
        outcome.requests += 1
        outcome.statuses[status] += 1
        url = request.get("url", "")
        outcome.per_operation[operation_of(request.get("method", "?"),
                                           unquote(urlsplit(url).path), templates)] += 1
        if status >= 500 or status == 0:
            outcome.server_errors.append(ServerError(
                request.get("method", "?"), url, status, _text(request.get("postData")),
                _text(response.get("content"), 400)))


def _summary(output: str) -> str:
    """Schemathesis's closing SUMMARY section."""
    lines = output.splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^=+ SUMMARY =+$", line):
            return "\n".join(lines[number:])
    return "\n".join(lines[-40:])


def failed_checks(output: str) -> Counter[tuple[str, str]]:
    """(operation, check) of each failure schemathesis printed, counted."""
    found: Counter[tuple[str, str]] = Counter()
    operation = "?"
    for line in output.splitlines():
        heading = re.match(r"^_{3,} (.+?) _{3,}$", line)
        if heading:
            operation = heading.group(1)
        check = re.match(r"^- (ST\d+ .+)$", line)
        if check:
            found[(operation, check.group(1).strip())] += 1
    return found


def run_schemathesis(base_url: str, home: Path, args: argparse.Namespace,
                     outcome: Outcome) -> None:
    har = home / "schemathesis.har"
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/openapi.json",
               "--checks", "all", "--max-examples", str(args.max_examples),
               "--max-time", str(args.seconds), "--workers", str(args.workers),
               "--seed", str(args.seed), "--report", "har", "--report-har-path", str(har),
               "--request-timeout", "60", "--no-color", "--continue-on-failure"]
    if args.phases:
        command += ["--phases", args.phases]
    if outcome.key:
        command += ["--header", f"Authorization: Bearer {outcome.key}"]
    env = {**service_env(home), "SCHEMATHESIS_HOOKS": ""}
    templates = path_templates(base_url)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=home, env=env, capture_output=True, text=True,
                              timeout=args.seconds + args.grace)
        output, outcome.exit_code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) \
            else (exc.stdout or "")
        outcome.error = f"schemathesis ran past {args.seconds + args.grace:.0f} s; ended"
    outcome.seconds = time.perf_counter() - started
    (home / "schemathesis.out").write_text(output)
    outcome.summary = _summary(output)
    outcome.checks = failed_checks(output)
    if har.exists():
        read_har(har, outcome, templates)
    elif outcome.error is None:
        outcome.error = f"no HAR report written; schemathesis said:\n{output[-3000:]}"


def role_key(role: str, env: dict[str, str], log: Path) -> str:
    """A new key of `role` in the store ("supervisor:TEAM", "agent:AGENT_ID" for the scoped
    roles); the text `iqs keys create` printed."""
    name, _, scope = role.partition(":")
    extra = (["--team", scope] if name == "supervisor" else
             ["--agent", scope] if name == "agent" else [])
    done = run_iqs(["keys", "create", "--role", name, "--name", "fuzz", *extra], env, 300, log)
    if done.returncode != 0:
        raise RuntimeError(f"iqs keys create --role {role}: {done.stderr[-600:]}")
    return done.stdout.strip()


def server_exceptions(log: Path) -> Counter[str]:
    """Each traceback of the server's log, as its last IQS frame and the exception line."""
    found: Counter[str] = Counter()
    text = tail(log, 5_000_000)
    for block in re.split(r"(?m)^Traceback \(most recent call last\):$", text)[1:]:
        lines = block.strip("\n").splitlines()
        frames = [line.strip() for line in lines
                  if line.strip().startswith("File ") and str(REPO) in line
                  and ".venv" not in line]
        exception = next((line for line in lines if line and not line.startswith(" ")
                          and not line.startswith("The above") and not line.startswith("During")),
                         "?")
        found[f"{frames[-1] if frames else '(no IQS frame)'} -> {exception[:300]}"] += 1
    return found


def run_backend(backend: str, args: argparse.Namespace, work: Path) -> Outcome:
    outcome = Outcome(backend)
    home = work / backend
    home.mkdir()
    log = home / "run.log"
    try:
        with ExitStack() as stack:
            url = (stack.enter_context(pg_schema("iqs_bench_fuzz")) if backend == "pg"
                   else None)
            env = service_env(home, url, IQS_RATE_LIMIT="", IQS_REFUSED_RATE_LIMIT="")
            if url:
                upgraded = run_iqs(["db", "upgrade"], env, 300, log)
                if upgraded.returncode != 0:
                    raise RuntimeError(f"iqs db upgrade: {upgraded.stderr[-800:]}")
            imports = [store_folder(work / f"store-{backend}", args.conversations)]
            if args.calls:
                imports.append(CALLS)
            for path in imports:
                extra = ["--asr-model", args.asr_model] if path == CALLS else []
                done = run_iqs(["import", str(path), *extra], env, 1800, log)
                if done.returncode != 0:
                    raise RuntimeError(f"iqs import {path}: {done.stdout[-600:]}"
                                       f"{done.stderr[-600:]}")
                outcome.stored += done.stdout.strip().splitlines()[-1] + "; "
            outcome.key = args.key or (role_key(args.role, env, log) if args.role else None)
            with served(env, home / "serve.log") as base_url:
                run_schemathesis(base_url, home, args, outcome)
            outcome.tracebacks = server_exceptions(home / "serve.log")
    except Exception as exc:
        outcome.error = f"{type(exc).__name__}: {exc}\n{tail(log, 2000)}"
    return outcome


def report(outcomes: list[Outcome], args: argparse.Namespace) -> None:
    print(f"## Requests (schemathesis --checks all, --max-examples {args.max_examples}, "
          f"--max-time {args.seconds}, --workers {args.workers}, --seed {args.seed}; "
          f"{'key of role ' + args.role if args.role else 'own key' if args.key else 'open mode'}"
          ")\n")
    rows: list[tuple[Any, ...]] = []
    for o in outcomes:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(o.statuses.items()))
        rows.append((o.backend, o.requests, len(o.server_errors), o.seconds, statuses,
                     o.exit_code if o.exit_code is not None else "-"))
    print(markdown(["store", "requests sent", "server errors (5xx)", "seconds",
                    "status codes", "schemathesis exit"], rows))
    print("\nStore contents: " + " | ".join(f"{o.backend}: {o.stored}" for o in outcomes))
    print("\n## Requests per operation\n")
    operations = sorted({op for o in outcomes for op in o.per_operation})
    print(markdown(["operation", *[o.backend for o in outcomes]],
                   [(op, *[o.per_operation.get(op, 0) for o in outcomes]) for op in operations]))
    print("\n## Server errors (5xx)\n")
    errors = [(o.backend, e.status, f"{e.method} {e.url}", e.body[:400] or "-",
               e.response[:200]) for o in outcomes for e in o.server_errors]
    print(markdown(["store", "status", "request", "body", "response"], errors) if errors
          else "none")
    print("\n## Exceptions in the server logs (last IQS frame -> exception)\n")
    rows = [(o.backend, n, where) for o in outcomes for where, n in o.tracebacks.most_common()]
    print(markdown(["store", "count", "where"], rows) if rows else "none")
    rows = []
    print("\n## Other failed checks (schemathesis's failing test cases by operation)\n")
    rows += [(o.backend, op, check, n) for o in outcomes
             for (op, check), n in sorted(o.checks.items())]
    print(markdown(["store", "operation", "check", "cases"], rows) if rows else "none")
    for o in outcomes:
        print(f"\n## schemathesis summary ({o.backend})\n")
        print("```\n" + (o.summary or "(none)") + "\n```")
        if o.error:
            print(f"\nerror: {o.error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help="comma-separated: sqlite, pg (default: both)")
    parser.add_argument("--seconds", type=int, default=300,
                        help="schemathesis's time budget per store (--max-time)")
    parser.add_argument("--grace", type=int, default=120,
                        help="seconds past --seconds before schemathesis is ended")
    parser.add_argument("--max-examples", type=int, default=100,
                        help="test cases per operation and phase")
    parser.add_argument("--workers", type=int, default=1, help="schemathesis workers")
    parser.add_argument("--phases", default=None,
                        help="schemathesis phases (default: all of them)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--role", default=os.environ.get("IQS_FUZZ_ROLE"),
                        help="secure the server: create a key of this role in each store and "
                             "send it (admin, qa, ml, integration, supervisor:TEAM, "
                             "agent:AGENT_ID); default: open mode, no key")
    parser.add_argument("--key", default=os.environ.get("IQS_FUZZ_KEY"),
                        help="send this key instead (Authorization: Bearer)")
    parser.add_argument("--conversations", type=int, default=100,
                        help="STC-3 dialogues in the store besides the samples")
    parser.add_argument("--calls", action=argparse.BooleanOptionalAction, default=True,
                        help="import the two sample calls (audio for /audio)")
    parser.add_argument("--save", type=Path, default=None,
                        help="copy schemathesis's output, its HAR and the server log here")
    parser.add_argument("--asr-model", default="tiny.en",
                        help="speech-to-text model for the calls")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - set(BACKENDS):
        parser.error(f"backends: choose from {BACKENDS}")
    print("# IQS service fuzzing (schemathesis)\n")
    print(f"Command: python benchmarks/service_fuzz.py {' '.join(argv or sys.argv[1:])}\n")
    print_environment(["postgresql"] if "pg" in backends else [])
    outcomes = []
    with LoadSampler() as load, tempfile.TemporaryDirectory(prefix="iqs-bench-fuzz-") as folder:
        for backend in backends:
            print(f"(fuzzing {backend} ...)", file=sys.stderr, flush=True)
            outcomes.append(run_backend(backend, args, Path(folder)))
            if args.save:
                target = args.save / backend
                target.mkdir(parents=True, exist_ok=True)
                for name in ("schemathesis.out", "schemathesis.har", "serve.log"):
                    if (Path(folder) / backend / name).exists():
                        shutil.copy(Path(folder) / backend / name, target / name)
    report(outcomes, args)
    print("\n" + load.line())
    return 1 if any(o.server_errors or o.error for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
