"""The Celery executor (IQS_BROKER_URL=redis://...). Tasks are acknowledged late and rejected
when their worker is lost, so a killed worker's job goes to another; `run_job` is idempotent,
so it finishes once. Each worker also sends again the jobs whose worker stopped beating."""

from __future__ import annotations

from functools import cache

from celery import Celery

from api.settings import Settings

QUEUE = "iqs"


def celery_app(settings: Settings) -> Celery:
    return _app(str(settings.broker_url))


@cache
def _app(broker_url: str) -> Celery:
    app = Celery("iqs", broker=broker_url)
    app.conf.update(
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_default_queue=QUEUE, task_ignore_result=True, broker_connection_retry=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 4 * 3600})
    return app


def queue_depth(settings: Settings) -> int:
    import redis

    client = redis.Redis.from_url(str(settings.broker_url))
    return int(client.llen(QUEUE))
