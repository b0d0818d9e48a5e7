"""Prometheus metrics of one app: requests and their latency by route, jobs by state, queue
depth, and scoring time per conversation (read from the store's score runs)."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.middleware.base import RequestResponseEndpoint
from starlette.routing import Match


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("iqs_http_requests_total", "HTTP requests",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("iqs_http_request_seconds", "HTTP request latency",
                                 ["method", "route"], registry=self.registry)
        self.scoring = Histogram("iqs_scoring_seconds", "scoring time per conversation",
                                 buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
                                 registry=self.registry)

    def install(self, app: FastAPI) -> None:
        @app.middleware("http")
        async def measure(request: Request, call_next: RequestResponseEndpoint) -> Response:
            started = time.perf_counter()
            response = await call_next(request)
            route = _route_of(request)
            self.requests.labels(request.method, route, str(response.status_code)).inc()
            self.latency.labels(request.method, route).observe(time.perf_counter() - started)
            return response


def _route_of(request: Request) -> str:
    """The route's template (`/v1/conversations/{conversation_id}`), not the raw path: the
    label set stays small."""
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is Match.FULL:
            return str(getattr(route, "path", request.url.path))
    return "(unmatched)"
