"""The embedded executor: worker threads inside `iqs serve` that take jobs from the store.
The store is the queue, so a restarted server resumes queued and interrupted jobs."""

from __future__ import annotations

import logging
import threading

from api.jobs import lifecycle
from api.jobs.runtime import Runtime
from api.jobs.tasks import run_job

log = logging.getLogger("iqs.jobs")
POLL_SECONDS = 0.5


class EmbeddedWorkers:
    def __init__(self, runtime: Runtime, threads: int) -> None:
        self.runtime = runtime
        self.threads = threads
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        released = lifecycle.release_dead_local(self.runtime.sessions)
        if released:
            log.info("resuming %d interrupted job(s)", released)
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"iqs-worker-{n}", daemon=True)
            thread.start()
            self._workers.append(thread)

    def wake(self) -> None:
        """A job was queued: look now, not at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._workers:
            thread.join(timeout=30)

    def _loop(self) -> None:
        lease = self.runtime.settings.job_lease_seconds
        while not self._stop.is_set():
            try:
                ran = False
                for job_id in lifecycle.next_claimable(self.runtime.sessions, lease):
                    if self._stop.is_set():
                        return
                    ran = run_job(self.runtime, job_id) != "skipped" or ran
            except Exception:  # the store may be away for a moment: keep the thread alive
                log.exception("embedded worker: could not poll the job store")
                ran = False
            if not ran:
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()
