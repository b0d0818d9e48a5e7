"""`iqs worker`: a Celery worker for the jobs of a shared store (IQS_BROKER_URL=redis://...).

Processes: the main process consumes the queue and runs the reaper; a prefork pool of
`concurrency` child processes runs the jobs. Each child builds one `Runtime` when it starts and
keeps it (scorers, encoders and the speech model stay loaded from one job to the next).

Faults:
- a child killed mid-job: Celery sees the worker lost and gives the message back
  (`reject_on_worker_lost`); whoever receives it finds the job's owner dead on this host and
  takes the job over at once (`execute`).
- a whole worker killed (or its machine gone): its job stops beating; after the lease
  (`IQS_JOB_LEASE_SECONDS`) the reaper of any other worker sends it again. Only one reaper
  sends it: the job goes back to `queued` in one conditional UPDATE, and only the worker whose
  UPDATE changed the row sends the message (`resend_stale`).
The job's steps are idempotent (`api.jobs.tasks`), so a job taken over finishes once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.jobs import lifecycle
from api.jobs.runtime import Runtime
from api.settings import Settings
from api.store.db import transaction
from api.store.tables import Job, utcnow
from scorer.errors import ConfigError

log = logging.getLogger("iqs.worker")
ORPHAN_LEASES = 10
"""A queued job nobody has taken for this many leases is sent again (its message was lost:
the broker restarted without persistence, or the send failed)."""

_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def process_runtime() -> Runtime:
    """This process's runtime, built on first use and kept."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime(Settings())
        return _runtime


def execute(job_id: str) -> str:
    """The Celery task's body: run the job here, taking it over first when its owner was a
    process of this host that is gone (a pool child killed mid-job)."""
    from api.jobs.tasks import run_job

    runtime = process_runtime()
    if release_if_owner_dead(runtime.sessions, job_id):
        log.warning("job %s: its worker process died; taking it over", job_id)
    return run_job(runtime, job_id)


def release_if_owner_dead(sessions: sessionmaker[Session], job_id: str) -> bool:
    """Put the job back to queued when it is running for a process of this host that no longer
    exists. True when this call released it."""
    with sessions() as session:
        owner = session.scalar(select(Job.worker).where(Job.id == job_id,
                                                        Job.state == lifecycle.RUNNING))
    if not owner or not _dead_local(owner):
        return False
    with transaction(sessions) as session:
        released = session.execute(update(Job).where(
            Job.id == job_id, Job.state == lifecycle.RUNNING, Job.worker == owner,
        ).values(state=lifecycle.QUEUED).execution_options(synchronize_session=False))
        return bool(released.rowcount)  # type: ignore[attr-defined]


def _dead_local(worker: str) -> bool:
    host, _, rest = worker.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# --- the reaper ------------------------------------------------------------------------------

def requeue_stale(sessions: sessionmaker[Session], job_id: str, lease_seconds: float) -> bool:
    """Put a running job whose lease ran out back to queued. Atomic: of several workers
    trying at once, exactly one gets True (and sends the job)."""
    cutoff = utcnow() - timedelta(seconds=lease_seconds)
    with transaction(sessions) as session:
        changed = session.execute(update(Job).where(
            Job.id == job_id, Job.state == lifecycle.RUNNING, Job.heartbeat_at < cutoff,
        ).values(state=lifecycle.QUEUED, heartbeat_at=utcnow()).execution_options(
            synchronize_session=False))
        return bool(changed.rowcount)  # type: ignore[attr-defined]


def orphaned(sessions: sessionmaker[Session], lease_seconds: float) -> list[str]:
    """Queued jobs that nobody has taken (nor sent again) for ORPHAN_LEASES leases."""
    cutoff = utcnow() - timedelta(seconds=ORPHAN_LEASES * lease_seconds)
    with sessions() as session:
        return list(session.scalars(select(Job.id).where(
            Job.state == lifecycle.QUEUED,
            func.coalesce(Job.heartbeat_at, Job.created_at) < cutoff).limit(100)))


def _touch_orphan(sessions: sessionmaker[Session], job_id: str, lease_seconds: float) -> bool:
    cutoff = utcnow() - timedelta(seconds=ORPHAN_LEASES * lease_seconds)
    with transaction(sessions) as session:
        changed = session.execute(update(Job).where(
            Job.id == job_id, Job.state == lifecycle.QUEUED,
            func.coalesce(Job.heartbeat_at, Job.created_at) < cutoff,
        ).values(heartbeat_at=utcnow()).execution_options(synchronize_session=False))
        return bool(changed.rowcount)  # type: ignore[attr-defined]


def resend_stale(sessions: sessionmaker[Session], lease_seconds: float,
                 send: Callable[[str], None]) -> list[str]:
    """One round of the reaper: send again the jobs whose worker stopped beating (and queued
    jobs whose message was lost). The ids this worker sent."""
    sent = []
    for job_id in lifecycle.stale_running(sessions, lease_seconds):
        if requeue_stale(sessions, job_id, lease_seconds):
            log.warning("job %s: its worker stopped beating; sending it again", job_id)
            send(job_id)
            sent.append(job_id)
    for job_id in orphaned(sessions, lease_seconds):
        if _touch_orphan(sessions, job_id, lease_seconds):
            log.warning("job %s: queued but not taken for a long time; sending it again",
                        job_id)
            send(job_id)
            sent.append(job_id)
    return sent


class Reaper:
    """A thread of the worker's main process: every lease/2 seconds, `resend_stale`."""

    def __init__(self, settings: Settings, send: Callable[[str], None]) -> None:
        self.settings = settings
        self.send = send
        self.interval = settings.job_lease_seconds / 2
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="iqs-reaper", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        runtime = Runtime(self.settings)  # its own engine: the store only, no models
        try:
            while not self._stop.wait(self.interval):
                try:
                    resend_stale(runtime.sessions, self.settings.job_lease_seconds, self.send)
                except Exception:  # the store or the broker away for a moment: next round
                    log.exception("reaper: could not check for stale jobs")
        finally:
            runtime.close()


# --- the worker ------------------------------------------------------------------------------

def check_store(settings: Settings) -> None:
    """Refuse a store whose schema is not current (a new embedded one is created);
    SchemaError says what to run."""
    if settings.broker_url is None:
        raise ConfigError("no broker: set IQS_BROKER_URL=redis://host:6379/0 (without a broker, "
                          "`iqs serve` runs the jobs in its own worker threads)",
                          location="IQS_BROKER_URL")
    runtime = Runtime(settings)
    try:
        runtime.prepare()
    finally:
        runtime.close()  # no connection is carried into the forked pool


def run_worker(settings: Settings, concurrency: int = 1, queues: list[str] | None = None,
               loglevel: str = "INFO") -> int:
    """Start the worker (blocks until it is stopped); its exit code."""
    from celery import signals

    from api.jobs.celery_app import celery_app
    from api.jobs.queue import RUN_JOB_TASK

    check_store(settings)
    app = celery_app(settings)
    reaper = Reaper(settings, lambda job_id: app.send_task(RUN_JOB_TASK, args=[job_id]))

    def child_started(**_: object) -> None:
        global _runtime
        _runtime = Runtime(settings)  # a fresh engine in each child: none shared over fork
        # Pool processes share the machine's cores; torch's default (all cores each) made two
        # workers on two cores four times slower (benchmarks/SERVICE.md).
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // concurrency))

    def ready(**_: object) -> None:
        reaper.start()

    def shutdown(**_: object) -> None:
        reaper.stop()

    signals.worker_process_init.connect(child_started, weak=False)
    signals.worker_ready.connect(ready, weak=False)
    signals.worker_shutdown.connect(shutdown, weak=False)
    argv = ["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}",
            f"--queues={','.join(queues or [settings.queue])}", "--pool=prefork",
            f"--hostname=iqs-{os.getpid()}@%h", "--without-mingle", "--without-gossip"]
    try:
        app.worker_main(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int | None) else 1
    return 0
