"""The IQS service: `create_app(settings)` wires the routers, the error bodies, the store and
the job executor. The store's schema must be the latest (`iqs db upgrade`); a new embedded
SQLite store is created on first start."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from api.errors import REFUSALS, BodyLimit, install_error_handlers
from api.jobs.embedded import EmbeddedWorkers
from api.jobs.queue import JobQueue
from api.jobs.runtime import Runtime
from api.metrics import Metrics
from api.routers import (
    agents,
    agreement,
    audit,
    calibration,
    conversations,
    export,
    health,
    ingest,
    jobs,
    reviews,
    score,
    scorecards,
    training,
)
from api.security import roles
from api.security.audit import AuditTrail
from api.security.auth import Guard, authorize, check_guarded
from api.settings import Settings
from api.web import install as install_pages
from scorer import __version__

log = logging.getLogger("iqs.api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.prepare()
        workers = None
        if settings.broker_url is None and settings.workers > 0:
            workers = EmbeddedWorkers(runtime, settings.workers)
            workers.start()
        app.state.queue = JobQueue(settings, workers.wake if workers else None)
        log.info("IQS %s: store %s, jobs %s, %s", __version__,
                 runtime.engine.url.render_as_string(hide_password=True),
                 "Celery " + str(settings.broker_url) if settings.broker_url
                 else f"{settings.workers} embedded worker thread(s)",
                 "open mode (no API key, loopback)" if guard.open_mode() else "API keys needed")
        try:
            yield
        finally:
            if workers is not None:
                workers.stop()
            runtime.close()

    # FastAPIOffline: FastAPI whose /docs and /redoc pages load their scripts from this server
    # (no CDN: IQS runs offline).
    # Every API route depends on `authorize`: the route × role table (api/security/roles.py).
    app = FastAPIOffline(title="IQS", version=__version__, lifespan=lifespan,
                  dependencies=[Depends(authorize)],
                  description="Interaction quality scoring for customer-service calls and chats: "
                              "ingest, store, score and aggregate per agent. Send an API key as "
                              "`Authorization: Bearer <key>`; each route names the roles it "
                              "admits.")
    guard = Guard(settings, runtime.sessions)
    app.state.runtime = runtime
    app.state.guard = guard
    app.state.metrics = Metrics()
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes,
                       upload_limit=settings.max_upload_bytes)
    app.state.metrics.install(app)
    app.add_middleware(AuditTrail, sessions=runtime.sessions)
    install_error_handlers(app)
    for module in (health, score, scorecards, ingest, jobs, conversations, reviews, agreement,
                   calibration, agents, export, audit, training):
        roles.document(module.router.routes, REFUSALS)  # "Roles: ..." in the OpenAPI text
        app.include_router(module.router)
    install_pages(app)  # the web pages (api/web): same table, same guard
    roles.check_table(app.routes)  # a route missing from the table: the app does not build
    check_guarded(app.routes)
    _declare_security(app)
    return app


def _declare_security(app: FastAPI) -> None:
    """The API key's scheme in the OpenAPI components (routes name it in `security`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generate().setdefault("components", {})["securitySchemes"] = \
                roles.SECURITY_SCHEMES
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
