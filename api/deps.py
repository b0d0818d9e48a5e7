"""FastAPI dependencies: the runtime built at start-up, a database session per request, the job
queue, the request's viewer (its key, role and scope: api/security/auth.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from api.jobs.queue import JobQueue
from api.jobs.runtime import Runtime
from api.schemas.common import MAX_ID, NAME, TEXT
from api.security.auth import Viewer, authorize
from api.store import tables
from api.store.scorecards import find_version


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_queue(request: Request) -> JobQueue:
    queue: JobQueue = request.app.state.queue
    return queue


def get_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    with runtime.sessions() as session:
        yield session


__all__ = ["MAX_ID", "NAME", "TEXT", "QueueDep", "RuntimeDep", "SessionDep", "VersionDep",
           "ViewerDep"]

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
QueueDep = Annotated[JobQueue, Depends(get_queue)]
# Closed when the endpoint returns, before the response is sent: the audit write and a
# streamed response never wait on a connection this request still holds.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ViewerDep = Annotated[Viewer, Depends(authorize)]
"""Who asks (every API route depends on `authorize` already; this gives its result)."""


def selected_version(
    session: SessionDep,
    scorecard: Annotated[str, Query(pattern=NAME, description="scorecard name",
                                    examples=["default"])] = "default",
    version: Annotated[int | None, Query(ge=1, le=MAX_ID,
                                         description="scorecard version; default: the latest")
                       ] = None,
) -> tables.ScorecardVersion:
    """The scorecard version asked for (404 when unknown)."""
    return find_version(session, scorecard, version)


VersionDep = Annotated[tables.ScorecardVersion, Depends(selected_version)]
