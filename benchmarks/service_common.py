"""Shared parts of the service benchmarks (`service_import.py`, `service_latency.py`,
`service_fuzz.py`): the environment block every report prints, a PostgreSQL schema of one's
own in database `test`, a Redis queue of one's own, `iqs` subprocesses and a served store.

Nothing here leaves anything behind: schemas are dropped, Redis keys of the run's queue are
deleted, temporary folders removed, processes this module started are ended by their pid."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("IQS_SHARED_DIR") or REPO.parent / "shared")
"""The shared corpora (as `corpora.paths.shared_dir`: $IQS_SHARED_DIR, else ../shared)."""
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_SERVER = "redis://127.0.0.1:6379"
PACKAGES = ("iqs", "sqlalchemy", "alembic", "psycopg", "fastapi", "uvicorn", "celery", "redis",
            "torch", "sentence-transformers", "faster-whisper", "locust", "schemathesis")


# --- the environment ---------------------------------------------------------------------------

def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 ** 2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def postgres_version() -> str:
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_SERVER)
        try:
            with engine.connect() as connection:
                return str(connection.scalar(text("SHOW server_version")))
        finally:
            engine.dispose()
    except Exception as exc:  # reported, not fatal: the SQLite runs still work
        return f"unreachable ({type(exc).__name__})"


def redis_version() -> str:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_SERVER, socket_timeout=5)
        try:
            return str(client.info("server")["redis_version"])
        finally:
            client.close()
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"


def environment(backends: Sequence[str] = ()) -> list[tuple[str, str]]:
    """What the numbers were measured on, as (what, value) rows."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = [
        ("date (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")),
        ("machine", f"{platform.node()}: {os.cpu_count()} cores "
                    f"({len(os.sched_getaffinity(0))} usable), {_cpu_model()}, "
                    f"{_memory_gib()} RAM"),
        ("load average (1, 5, 15 min) at start", load),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", f"{platform.python_version()} ({sys.executable})"),
        ("SQLite", sqlite3.sqlite_version),
    ]
    if "postgresql" in backends:
        rows.append(("PostgreSQL server", f"{postgres_version()} at 127.0.0.1:5432, db test"))
    if "redis" in backends:
        rows.append(("Redis server", f"{redis_version()} at 127.0.0.1:6379"))
    rows += [(f"package {name}", _version(name)) for name in PACKAGES]
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10).stdout.strip()
        rows.append(("IQS commit", commit + (" (+ uncommitted changes)" if dirty else "")))
    except (OSError, subprocess.SubprocessError):
        pass
    return rows


def markdown(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}" \
                if abs(value) < 1 else f"{value:.2f}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


class LoadSampler:
    """The 1-minute load average sampled every `interval` seconds while the block runs (the
    machine is shared: a load above the core count means the numbers are pessimistic)."""

    def __init__(self, interval: float = 5.0) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="load-sampler", daemon=True)

    def _loop(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 1)

    def line(self) -> str:
        if not self.samples:
            return "load average: not sampled"
        return (f"1-minute load average during the run ({len(self.samples)} samples, "
                f"{os.cpu_count()} cores): min {min(self.samples):.2f}, mean "
                f"{sum(self.samples) / len(self.samples):.2f}, max {max(self.samples):.2f}")


def print_environment(backends: Sequence[str] = ()) -> None:
    print("## Environment\n")
    print(markdown(["what", "value"], environment(backends)))
    print()


def exit_on_sigterm() -> None:
    """SIGTERM ends the run like Ctrl-C: temporary stores, schemas, queues and the processes
    started are cleaned up on the way out (Python's default would skip that)."""

    def _raise(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)


# --- stores ------------------------------------------------------------------------------------

@contextmanager
def pg_schema(prefix: str = "iqs_bench") -> Iterator[str]:
    """The URL of a new, empty schema of database `test`, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        yield f"{PG_SERVER}?options=-csearch_path%3D{name}"
    finally:
        try:
            for attempt in range(5):  # the server may be restarting (other tests restart it)
                try:
                    with admin.connect() as connection:
                        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
                    break
                except OperationalError:
                    if attempt == 4:
                        raise
                    time.sleep(3)
        finally:
            admin.dispose()


@contextmanager
def redis_queue(db: int) -> Iterator[tuple[str, str]]:
    """(broker URL, queue name): a Celery queue of this run's own in Redis database `db`;
    its keys are deleted afterwards (other users of the database are left alone)."""
    import redis

    queue = f"iqs-bench-{uuid.uuid4().hex[:10]}"
    url = f"{REDIS_SERVER}/{db}"
    client = redis.Redis.from_url(url, socket_timeout=10)
    client.ping()
    before = set(client.scan_iter(count=1000))
    try:
        yield url, queue
    finally:
        # this run's queue, and the Celery/kombu bookkeeping keys this run created
        keys = {k for k in client.scan_iter(count=1000) if k not in before and (
            queue.encode() in k or k.startswith((b"_kombu.", b"unacked", b"celery")))}
        keys |= {k for k in client.scan_iter(match=f"*{queue}*", count=1000)}
        if keys:
            client.delete(*keys)
        client.close()


def upgrade_schema(url: str) -> None:
    """`iqs db upgrade` done in this process (the same function the command calls)."""
    from api.store.db import make_engine, upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


# --- processes -----------------------------------------------------------------------------------

def iqs_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "scorer.cli", *args]


def service_env(home: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of an `iqs` process on the store in `home` (or `database_url`); the
    embedding cache is `home/cache`, so each store starts with a cold cache."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("IQS_") or k in ("IQS_MODELS_DIR",)}
    env.update({"IQS_HOME": str(home), "IQS_CACHE_DIR": str(home / "cache"),
                "PYTHONUNBUFFERED": "1", **extra})
    if database_url:
        env["IQS_DATABASE_URL"] = database_url
    return env


def run_iqs(args: Sequence[str], env: dict[str, str], timeout: float,
            log: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(iqs_command(*args), cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=timeout)
    if log is not None:
        with log.open("a") as out:
            out.write(f"$ iqs {' '.join(args)}\n{result.stdout}\n{result.stderr}\n"
                      f"(exit {result.returncode})\n")
    return result


def stop_process(process: subprocess.Popen[Any], grace: float = 30) -> None:
    """End a process this module started (SIGTERM to its process group, then SIGKILL)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def start_iqs(args: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[Any]:
    """An `iqs` process in a process group of its own (so that its children end with it)."""
    with log.open("ab") as out:
        return subprocess.Popen(iqs_command(*args), cwd=REPO, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(env: dict[str, str], log: Path, startup_seconds: float = 180) -> Iterator[str]:
    """`iqs serve` on a free loopback port; yields its base URL once /health answers 200."""
    with serving(env, log, startup_seconds) as (base, _):
        yield base


@contextmanager
def serving(env: dict[str, str], log: Path,
            startup_seconds: float = 180) -> Iterator[tuple[str, subprocess.Popen[Any]]]:
    """As `served`, with the server's process too (its pid, for memory readings)."""
    import httpx

    port = free_port()
    server = start_iqs(["serve", "--host", "127.0.0.1", "--port", str(port)], env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=10).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"iqs serve did not start; its log:\n{log.read_text()[-4000:]}")
            time.sleep(0.3)
        yield base, server
    finally:
        stop_process(server)


def tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""
