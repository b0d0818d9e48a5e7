"""Running one setup of `service_import.py` and measuring it: `iqs import` embedded or queued
to Celery workers, waiting for the jobs, and the store's counts afterwards (conversations,
failures, job window, duplicates, seconds per source group). See benchmarks/SERVICE.md.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.service_common import (
    REPO,
    pg_schema,
    redis_queue,
    run_iqs,
    service_env,
    start_iqs,
    stop_process,
    tail,
)
from benchmarks.service_inputs import Inputs, source_group


@dataclass
class Phase:
    conversations: int = 0
    seconds: float = float("nan")
    jobs: int = 0
    jobs_failed: int = 0
    file_failures: list[str] = field(default_factory=list)
    window: float = float("nan")
    """First job started to last job finished (the store's clock)."""
    submit_cpu: float = float("nan")
    """CPU seconds of the `iqs import` processes that queued the jobs (Celery setups)."""


@dataclass
class Result:
    setup: str
    run: int = 1
    text: Phase = field(default_factory=Phase)
    calls: Phase = field(default_factory=Phase)
    worker_start: float = float("nan")
    stored: int = 0
    runs: int = 0
    duplicates: int = 0
    groups: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per source group: (conversations, seconds its files took inside their jobs)."""
    errors: list[str] = field(default_factory=list)
    cpu: float = float("nan")
    """CPU seconds of the setup's IQS processes (imports, workers), start-up included."""
    notes: list[str] = field(default_factory=list)
    """What happened around the measurement (not failures of the import)."""


JOB_ID = re.compile(r"\b[0-9a-f]{32}\b")


def _job_ids(output: str) -> list[str]:
    """The job ids `iqs import` printed (one per job: a folder of more than 50 files is
    split into several jobs by `iqs import` itself)."""
    return list(dict.fromkeys(JOB_ID.findall(output)))


def _import_here(paths: list[Path], env: dict[str, str], extra: list[str], timeout: float,
                 log: Path, phase: Phase, result: Result) -> list[str]:
    """One `iqs import` run to its end (the embedded setups)."""
    started = time.perf_counter()
    done = run_iqs(["import", *map(str, paths), *extra], env, timeout, log)
    phase.seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        result.errors.append(f"iqs import exited {done.returncode}: {done.stderr[-600:]}")
    return _job_ids(done.stdout + done.stderr)


def _import_queued(entries: list[Path], env: dict[str, str], extra: list[str], timeout: float,
                   log: Path, url: str, phase: Phase, result: Result) -> list[str]:
    """One `iqs import` per entry, all started at once (each queues one job), then wait
    until every job is done or failed."""
    started, cpu = time.perf_counter(), _children_cpu()
    processes = []
    for entry in entries:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "scorer.cli", "import", str(entry), *extra], cwd=REPO,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    ids = []
    for process, entry in zip(processes, entries, strict=True):
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            result.errors.append(f"iqs import {entry.name}: no answer in {timeout:.0f} s")
        with log.open("a") as out:
            out.write(f"$ iqs import {entry}\n{output}\n(exit {process.returncode})\n")
        found = _job_ids(output)
        if not found:
            result.errors.append(f"iqs import {entry.name} queued no job: {output[-400:]}")
        ids.extend(found)
    phase.submit_cpu = _children_cpu() - cpu
    _wait_jobs(url, ids, started + timeout, result)
    phase.seconds = time.perf_counter() - started
    return ids


def _wait_jobs(url: str, ids: list[str], deadline: float, result: Result) -> None:
    from sqlalchemy import select

    from api.store import tables
    from api.store.db import make_engine

    engine = make_engine(url)
    states: dict[str, str] = {}
    try:
        while True:
            try:
                with engine.connect() as connection:
                    states = dict(connection.execute(select(tables.Job.id, tables.Job.state)
                                                     .where(tables.Job.id.in_(ids))).all())
            except Exception as exc:  # the database restarted under us: look again
                result.notes.append(f"the store did not answer while the jobs were polled "
                                    f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]}); "
                                    "polled again")
            if all(states.get(i) in ("done", "failed") for i in ids):
                return
            if time.perf_counter() > deadline:
                result.errors.append(f"jobs not finished in time: {sorted(states.items())}")
                return
            time.sleep(0.5)
    finally:
        engine.dispose()


def _settle(url: str, ids: list[str], phase: Phase) -> None:
    """The phase's counts from the store: conversations of its jobs, failures, job window."""
    from sqlalchemy import select

    from api.store import tables
    from api.store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            jobs = connection.execute(select(tables.Job).where(tables.Job.id.in_(ids))).all()
    finally:
        engine.dispose()
    conversations: set[int] = set()
    starts, ends = [], []
    for job in jobs:
        conversations.update(job.result.get("conversation_ids", []))
        phase.file_failures += [f"{f['file']}: {f['message']}"
                                for f in job.result.get("failures", [])]
        if job.state != "done":
            phase.jobs_failed += 1
            phase.file_failures.append(f"job {job.id} {job.state}: {job.error}")
        if job.started_at and job.finished_at:
            starts.append(job.started_at)
            ends.append(job.finished_at)
    phase.jobs, phase.conversations = len(jobs), len(conversations)
    if starts:
        phase.window = (max(ends) - min(starts)).total_seconds()


def _store_counts(url: str, ids: list[str], result: Result) -> None:
    """Totals, duplicates, and per-group seconds: each file's span inside its job (from the
    job's start or the previous file's last stored run to this file's last stored run)."""
    from sqlalchemy import func, select

    from api.store import tables
    from api.store.db import make_engine

    engine = make_engine(url)
    c, run, source = tables.Conversation, tables.ScoreRun, tables.SourceFile
    try:
        with engine.connect() as connection:
            result.stored = connection.scalar(select(func.count(c.id))) or 0
            result.runs = connection.scalar(select(func.count(run.id))) or 0
            per = (select(run.conversation_id, run.scorecard_version_id, func.count())
                   .group_by(run.conversation_id, run.scorecard_version_id)
                   .having(func.count() > 1)).subquery()
            result.duplicates = connection.scalar(select(func.count()).select_from(per)) or 0
            rows = connection.execute(
                select(run.job_id, source.filename, func.count(c.id), func.max(run.created_at))
                .join(c, c.id == run.conversation_id)
                .join(source, source.sha256 == c.source_sha256)
                .where(run.job_id.in_(ids))
                .group_by(run.job_id, source.filename)).all()
            started: dict[str | None, Any] = dict(connection.execute(
                select(tables.Job.id, tables.Job.started_at)
                .where(tables.Job.id.in_(ids))).all())
    finally:
        engine.dispose()
    by_job: dict[str | None, list[tuple[Any, str, int]]] = defaultdict(list)
    for job_id, filename, count, last in rows:
        by_job[job_id].append((last, filename, count))
    groups: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for job_id, files in by_job.items():
        previous = started.get(job_id)
        for last, filename, count in sorted(files):
            span = (last - previous).total_seconds() if previous is not None else float("nan")
            groups[source_group(filename)][0] += count
            groups[source_group(filename)][1] += span
            previous = last
    result.groups = {k: (int(v[0]), float(v[1])) for k, v in groups.items()}


@contextmanager
def _workers(count: int, env: dict[str, str], home: Path, result: Result,
             startup: float) -> Iterator[None]:
    """`count` `iqs worker` processes, each ready (Celery's "ready." line) before yielding."""
    processes, logs = [], []
    started = time.perf_counter()
    try:
        for n in range(count):
            log = home / f"worker-{n}.log"
            logs.append(log)
            processes.append(start_iqs(["worker", "--concurrency", "1", "--loglevel", "INFO"],
                                       env, log))
        deadline = started + startup
        while not all("ready." in tail(log, 100_000) for log in logs):
            dead = [p for p in processes if p.poll() is not None]
            if dead or time.perf_counter() > deadline:
                raise RuntimeError("iqs worker did not start: " + " / ".join(
                    tail(log, 1500) for log in logs))
            time.sleep(0.3)
        result.worker_start = time.perf_counter() - started
        yield
    finally:
        for process in processes:
            stop_process(process, grace=60)


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's ended and waited-for children: the
    `iqs import` and `iqs worker` processes with their pool children (not PostgreSQL)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_setup(setup: str, inputs: Inputs, args: argparse.Namespace, work: Path,
              run: int = 1) -> Result:
    result = Result(setup, run)
    home = work / f"{setup}-{run}"
    home.mkdir()
    log = home / "iqs.log"
    extra_calls = ["--asr-model", args.asr_model] if args.asr_model else []
    with ExitStack() as stack:
        url = None
        if setup != "sqlite":
            url = stack.enter_context(pg_schema("iqs_bench_import"))
        env = service_env(home, url)
        store_url = url or f"sqlite:///{home / 'iqs.db'}"
        if url:
            upgraded = run_iqs(["db", "upgrade"], env, 300, log)
            if upgraded.returncode != 0:
                result.errors.append(f"iqs db upgrade: {upgraded.stderr[-600:]}")
                return result
        text_ids, call_ids = [], []
        cpu = _children_cpu()
        if setup in ("sqlite", "pg"):
            text_ids = _import_here([inputs.text], env, [], args.timeout, log, result.text,
                                    result)
            if args.calls:
                call_ids = _import_here([inputs.calls], env, extra_calls, args.timeout, log,
                                        result.calls, result)
        else:
            broker, queue = stack.enter_context(redis_queue(args.redis_db))
            env.update(IQS_BROKER_URL=broker, IQS_QUEUE=queue)
            workers = 1 if setup == "celery1" else 2
            worker_env = dict(env)
            if args.worker_threads:
                worker_env.update(OMP_NUM_THREADS=str(args.worker_threads),
                                  MKL_NUM_THREADS=str(args.worker_threads))
            try:
                with _workers(workers, worker_env, home, result, args.worker_startup):
                    text_ids = _import_queued(inputs.text_entries(), env, [], args.timeout, log,
                                              store_url, result.text, result)
                    if args.calls:
                        call_ids = _import_queued(inputs.call_entries(), env, extra_calls,
                                                  args.timeout, log, store_url, result.calls,
                                                  result)
            except RuntimeError as exc:
                result.errors.append(str(exc)[-1500:])
                return result
        result.cpu = _children_cpu() - cpu
        _settle(store_url, text_ids, result.text)
        if call_ids:
            _settle(store_url, call_ids, result.calls)
        _store_counts(store_url, text_ids + call_ids, result)
    if args.keep_logs:
        print(f"(logs of {setup}: {home})")
    return result
