"""A job's life in the store: created queued, claimed by one worker at a time (a lease kept
alive by heartbeats), finished once. A worker that dies stops beating; after the lease its job
may be claimed again, and the task's idempotent steps pick up where it stopped."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.store.db import transaction
from api.store.tables import Job, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class JobInterrupted(Exception):
    """This worker lost the job's lease: another worker has it now."""


def create_job(session: Session, kind: str, payload: dict[str, Any], total: int,
               key_id: str | None = None) -> Job:
    """A queued job; `key_id`: the API key that asked for it (its owner)."""
    job = Job(id=uuid.uuid4().hex, kind=kind, state=QUEUED, payload=payload,
              progress_total=total, result={}, created_at=utcnow(), key_id=key_id)
    session.add(job)
    session.flush()
    return job


def _claimable(lease_seconds: float) -> Any:
    cutoff = utcnow() - timedelta(seconds=lease_seconds)
    return or_(Job.state == QUEUED, (Job.state == RUNNING) & (Job.heartbeat_at < cutoff))


def claim(sessions: sessionmaker[Session], job_id: str, worker: str,
          lease_seconds: float) -> bool:
    """Take the job if it is queued or its worker's lease ran out; atomic across workers."""
    now = utcnow()
    with transaction(sessions) as session:
        claimed = session.execute(
            update(Job).where(Job.id == job_id, _claimable(lease_seconds)).values(
                state=RUNNING, worker=worker, attempts=Job.attempts + 1, heartbeat_at=now,
                started_at=now).execution_options(synchronize_session=False))
        return bool(claimed.rowcount)  # type: ignore[attr-defined]


def next_claimable(sessions: sessionmaker[Session], lease_seconds: float) -> list[str]:
    """Jobs a worker may take, oldest first (what embedded workers poll)."""
    with sessions() as session:
        return list(session.scalars(select(Job.id).where(_claimable(lease_seconds))
                                    .order_by(Job.created_at).limit(20)))


def release_dead_local(sessions: sessionmaker[Session]) -> int:
    """Requeue running jobs of processes of this host that are gone (a restarted server need
    not wait out their lease)."""
    host = socket.gethostname()
    released = 0
    with transaction(sessions) as session:
        for job in session.scalars(select(Job).where(Job.state == RUNNING)):
            worker_host, _, rest = (job.worker or "").partition(":")
            pid = rest.partition(":")[0]
            if worker_host == host and pid.isdigit() and not _alive(int(pid)):
                job.state, released = QUEUED, released + 1
    return released


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_running(sessions: sessionmaker[Session], lease_seconds: float) -> list[str]:
    """Running jobs whose worker stopped beating (for Celery workers to send again)."""
    cutoff = utcnow() - timedelta(seconds=lease_seconds)
    with sessions() as session:
        return list(session.scalars(select(Job.id).where(Job.state == RUNNING,
                                                         Job.heartbeat_at < cutoff)))


def finish(session: Session, job_id: str, state: str, error: str | None = None) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(
        state=state, error=error, finished_at=utcnow(), heartbeat_at=utcnow()))


@contextmanager
def heartbeat(sessions: sessionmaker[Session], job_id: str, worker: str,
              lease_seconds: float) -> Iterator[threading.Event]:
    """Beat every third of the lease while the body runs. The yielded event is set when
    another worker has taken the job over (this one lost its lease and should stop)."""
    stop, lost = threading.Event(), threading.Event()

    def beat() -> None:
        while not stop.wait(lease_seconds / 3):
            try:
                with transaction(sessions) as session:
                    kept = session.execute(update(Job).where(
                        Job.id == job_id, Job.worker == worker, Job.state == RUNNING,
                    ).values(heartbeat_at=utcnow()).execution_options(
                        synchronize_session=False))
                    if not kept.rowcount:  # type: ignore[attr-defined]
                        lost.set()
            except Exception:
                continue

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id[:8]}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join()
