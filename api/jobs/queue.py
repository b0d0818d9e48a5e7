"""Sending a stored job to its executor: Celery when a broker is configured, else the embedded
worker threads (which find it in the store)."""

from __future__ import annotations

from collections.abc import Callable

from api.settings import Settings

RUN_JOB_TASK = "iqs.run_job"


class JobQueue:
    def __init__(self, settings: Settings, wake: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self._wake = wake

    @property
    def distributed(self) -> bool:
        return self.settings.broker_url is not None

    def send(self, job_id: str) -> None:
        if self.distributed:
            from api.jobs.celery_app import celery_app

            celery_app(self.settings).send_task(RUN_JOB_TASK, args=[job_id])
        elif self._wake is not None:
            self._wake()

    def depth(self) -> int | None:
        """Messages waiting in the broker (None when embedded: the store says it)."""
        if not self.distributed:
            return None
        from api.jobs.celery_app import queue_depth

        return queue_depth(self.settings)
