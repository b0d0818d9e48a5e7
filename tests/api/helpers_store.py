"""Shared helpers of the worker and fault tests: `iqs` commands in their own processes, real
Celery workers on the machine's Redis, a store's counts, and folders of real conversations."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select

from api.jobs.runtime import Runtime
from api.store import tables
from corpora.paths import corpus_dir
from tests.api.serving import REPO

REDIS_URL = "redis://127.0.0.1:6379/7"
"""A Redis database of the worker tests' own, flushed per test module."""
PYTHON = [sys.executable, "-m", "scorer.cli"]


def iqs(args: list[str], env: dict[str, str], timeout: float = 300,
        ) -> subprocess.CompletedProcess[str]:
    """Run `iqs ARGS` to its end with the IQS_ settings in `env`."""
    return subprocess.run([*PYTHON, *args], cwd=REPO, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout, check=False)


def clean_env(**env: str) -> dict[str, str]:
    """`env` over the environment without any IQS_ setting of the caller's shell."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("IQS_")}
    if "IQS_SHARED_DIR" in os.environ:
        base["IQS_SHARED_DIR"] = os.environ["IQS_SHARED_DIR"]
    return {**base, **env}


@contextmanager
def redis_broker() -> Iterator[dict[str, str]]:
    """Settings for a Celery broker on the machine's Redis (database 7, flushed before and
    after) with a queue of this run's own; the test is skipped when Redis is not there."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    try:
        yield {"IQS_BROKER_URL": REDIS_URL, "IQS_QUEUE": f"iqs-test-{uuid.uuid4().hex[:8]}"}
    finally:
        client.flushdb()
        client.close()


@dataclass
class Worker:
    """`iqs worker` in its own process group (the main process and its pool children)."""

    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"iqs worker did not start:\n{self.output()}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole worker: main process and pool children at once."""
        with suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), then SIGKILL to whatever of the group is left."""
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        with suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def start_worker(env: dict[str, str], log: Path, *args: str) -> Worker:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen([*PYTHON, "worker", *args], cwd=REPO, env=env,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Worker(process, log)


@contextmanager
def workers(env: dict[str, str], folder: Path, count: int) -> Iterator[list[Worker]]:
    """`count` running workers, stopped afterwards."""
    started = [start_worker(env, folder / f"worker-{n}-{uuid.uuid4().hex[:4]}.log")
               for n in range(count)]
    try:
        for worker in started:
            worker.wait_ready()
        yield started
    finally:
        for worker in started:
            worker.stop()


def owner_of(worker_name: str, candidates: list[Worker]) -> Worker:
    """The worker whose process group holds the process named in a job's `worker`
    (host:pid:thread)."""
    pid = int(worker_name.split(":")[1])
    group = os.getpgid(pid)
    for candidate in candidates:
        if candidate.pid == group:
            return candidate
    raise LookupError(f"no test worker runs process {pid}")


# --- data ------------------------------------------------------------------------------------

def stc3_folder(target: Path, count: int, start: int = 0) -> Path:
    """`count` real customer-helpdesk dialogues (NTCIR STC-3, English), one file each."""
    source = corpus_dir("stc3_dch1") / "train_data_en.json"
    dialogues = json.loads(source.read_text(encoding="utf-8"))[start:start + count]
    assert len(dialogues) == count, f"the corpus has fewer than {start + count} dialogues"
    target.mkdir(parents=True, exist_ok=True)
    for index, dialogue in enumerate(dialogues, start):
        record = {"id": dialogue["id"], "turns": dialogue["turns"]}
        (target / f"dialogue_{index:05d}.json").write_text(json.dumps([record]),
                                                           encoding="utf-8")
    return target


# --- the store -------------------------------------------------------------------------------

@contextmanager
def store(url: str) -> Iterator[Engine]:
    engine = create_engine(url, pool_pre_ping=True)
    try:
        yield engine
    finally:
        engine.dispose()


def counts(engine: Engine) -> dict[str, Any]:
    """What a fault must not change: conversations stored once (keys unique), one score run
    per conversation, and how the jobs ended."""
    with engine.connect() as connection:
        conversations = connection.scalar(select(func.count()).select_from(
            tables.Conversation.__table__))
        keys = connection.scalar(select(func.count(func.distinct(tables.Conversation.key))))
        sources = connection.scalar(select(func.count(func.distinct(
            tables.Conversation.external_id))))
        runs = connection.execute(select(tables.ScoreRun.conversation_id,
                                         func.count()).group_by(
            tables.ScoreRun.conversation_id)).all()
        jobs = connection.execute(select(tables.Job.id, tables.Job.state, tables.Job.attempts,
                                         tables.Job.worker, tables.Job.error)).all()
    per_conversation = [n for _, n in runs]
    return {
        "conversations": conversations, "keys": keys, "external_ids": sources,
        "scored": len(per_conversation),
        "duplicate_runs": sum(n - 1 for n in per_conversation),
        "jobs": {job.id: {"state": job.state, "attempts": job.attempts, "worker": job.worker,
                          "error": job.error} for job in jobs}}


def job_row(engine: Engine, job_id: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(select(tables.Job).where(tables.Job.id == job_id)).one()


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def job_ids_of(output: str) -> list[str]:
    """The job ids in `iqs import`'s output."""
    found = re.findall(r"\b[0-9a-f]{32}\b", output)
    assert found, f"no job id in {output!r}"
    return found


@contextmanager
def chats_store(backend: str, home: Path, records: list[dict[str, Any]]) -> Iterator[Runtime]:
    """A store (SQLite in `home`, or a PostgreSQL schema of its own) holding `records` (IQS
    JSON chats) ingested and scored under the bundled "default" scorecard by a real ingest
    job; redaction off, no embedded workers."""
    from api.jobs.tasks import run_job, submit_ingest
    from api.settings import Settings
    from api.store.db import upgrade
    from api.store.scorecards import find_version
    from scorer.readers import ReaderOptions
    from tests.api.pg import pg_schema

    sqlite = nullcontext(f"sqlite:///{home / 'iqs.db'}")
    with pg_schema() if backend == "postgresql" else sqlite as url:
        runtime = Runtime(Settings(home=home, database_url=url, workers=0, redact=False))
        try:
            upgrade(runtime.engine)
            runtime.prepare()
            (home / "chats.json").write_text(json.dumps(records), encoding="utf-8")
            stored = runtime.files.put_path(home / "chats.json", "chats.json",
                                            runtime.settings.max_upload_bytes)
            with runtime.sessions() as session:
                version_id = find_version(session, "default").id
            assert run_job(runtime, submit_ingest(runtime, [stored], version_id,
                                                  ReaderOptions())) == "done"
            yield runtime
        finally:
            runtime.close()
