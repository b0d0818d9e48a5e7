"""Health (store and broker reachable) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select, text

from api.deps import QueueDep, RuntimeDep
from api.schemas import Health
from api.security.auth import AuthorizedRoute
from api.store import tables
from scorer import __version__
from scorer.criteria import registered_criteria
from scorer.language import SUPPORTED_LANGUAGES

router = APIRouter(tags=["health"], route_class=AuthorizedRoute)


@router.get("/health", response_model=Health,
            responses={503: {"model": Health, "description": "store or broker unreachable"}})
def health(runtime: RuntimeDep, queue: QueueDep) -> Any:
    checks: dict[str, str] = {}
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["store"] = "ok"
    except Exception as exc:
        checks["store"] = f"unreachable: {type(exc).__name__}"
    if queue.distributed:
        try:
            queue.depth()
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"unreachable: {type(exc).__name__}"
    else:
        checks["broker"] = "embedded"
    ok = all(v in ("ok", "embedded") for v in checks.values())
    body = Health(status="ok" if ok else "degraded", version=__version__,
                  criteria=registered_criteria(), languages=list(SUPPORTED_LANGUAGES),
                  checks=checks)
    return body if ok else JSONResponse(status_code=503, content=body.model_dump())


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}},
                             "description": "Prometheus text format"}})
def metrics(request: Request, runtime: RuntimeDep, queue: QueueDep) -> Response:
    registry = CollectorRegistry()
    registry.register(_StoreCollector(runtime, queue))
    body = generate_latest(request.app.state.metrics.registry) + generate_latest(registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


class _StoreCollector:
    """Numbers read from the store at scrape time (workers may be other processes)."""

    def __init__(self, runtime: RuntimeDep, queue: QueueDep) -> None:
        self.runtime, self.queue = runtime, queue

    def collect(self) -> Any:
        jobs = GaugeMetricFamily("iqs_jobs", "jobs by kind and state", labels=["kind", "state"])
        scoring = GaugeMetricFamily("iqs_score_runs_seconds", "scoring seconds per "
                                    "conversation over stored runs", labels=["stat"])
        with self.runtime.sessions() as session:
            for kind, state, count in session.execute(
                    select(tables.Job.kind, tables.Job.state, func.count())
                    .group_by(tables.Job.kind, tables.Job.state)):
                jobs.add_metric([kind, state], count)
            count, mean, worst = session.execute(select(
                func.count(tables.ScoreRun.id), func.avg(tables.ScoreRun.scoring_seconds),
                func.max(tables.ScoreRun.scoring_seconds))).one()
        scoring.add_metric(["count"], count or 0)
        scoring.add_metric(["mean"], float(mean or 0))
        scoring.add_metric(["max"], float(worst or 0))
        yield jobs
        yield scoring
        depth = self.queue.depth() if self.queue.distributed else None
        queued = GaugeMetricFamily("iqs_queue_depth", "jobs waiting for a worker")
        queued.add_metric([], depth if depth is not None else sum(
            s.value for s in jobs.samples if s.labels.get("state") == "queued"))
        yield queued
