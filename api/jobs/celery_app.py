"""The Celery executor (IQS_BROKER_URL=redis://...). Tasks are acknowledged late and rejected
when their worker is lost, so a killed worker's job goes to another; `run_job` is idempotent,
so it finishes once. Each worker also sends again the jobs whose worker stopped beating
(`api.jobs.worker`).

The queue is `iqs`, or the setting IQS_QUEUE (several deployments, or test runs, sharing one
Redis database each keep their own queue)."""

from __future__ import annotations

from functools import cache
from typing import Any

from celery import Celery

from api.jobs.queue import RUN_JOB_TASK
from api.settings import Settings

DB_RETRY_SECONDS = 5
DB_RETRIES = 60


def celery_app(settings: Settings) -> Celery:
    return _app(str(settings.broker_url), settings.queue)


@cache
def _app(broker_url: str, queue: str) -> Celery:
    app = Celery("iqs", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_default_queue=queue, task_ignore_result=True, broker_connection_retry=True,
        broker_connection_retry_on_startup=True, task_serializer="json",
        accept_content=["json"],
        broker_transport_options={"visibility_timeout": 4 * 3600})

    @app.task(name=RUN_JOB_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
    def run_job(task: Any, job_id: str) -> str:
        """Run a stored job in this worker process (`api.jobs.tasks.run_job`)."""
        from sqlalchemy.exc import InterfaceError, OperationalError

        from api.jobs.worker import execute

        try:
            return execute(job_id)
        except (OperationalError, InterfaceError) as exc:  # the store is away for a moment
            raise task.retry(exc=exc, countdown=DB_RETRY_SECONDS,
                             max_retries=DB_RETRIES) from exc

    return app


def queue_depth(settings: Settings) -> int:
    import redis

    client = redis.Redis.from_url(str(settings.broker_url))
    return int(client.llen(settings.queue))
