"""The audit log: who (key, role) did what (method and route template, or a CLI command) to
which object (from the path parameters), when, and how it ended. Written for every non-GET
request, every refusal (401, 403, 429, and 404 for an object outside the viewer's scope) and
every read of personal data (a conversation, its audio, an export).

`record(session, ...)` adds one event in the caller's transaction (the CLI, and reviews, use
it). `AuditTrail` is the ASGI middleware that records requests: it writes the event in a worker
thread when the response starts (before the client reads any of it), so the event loop never
waits on the store; an event that cannot be written is logged as an error with its contents,
and the response goes out unchanged."""

from __future__ import annotations

import logging
from typing import Any

from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.security.roles import OBJECT_TYPES, PERSONAL_READS
from api.store import tables
from api.store.db import transaction
from api.store.tables import utcnow

log = logging.getLogger("iqs.audit")

ALLOWED, REFUSED, FAILED = "allowed", "refused", "failed"
REFUSED_STATUSES = (401, 403, 429)
CLI_ROLE = "admin-cli"
"""The role of events written by `iqs` commands run on the store's machine."""


def record(session: Session, *, action: str, outcome: str, key_id: str | None = None,
           role: str | None = None, object_type: str | None = None,
           object_id: str | None = None, status: int | None = None, client: str | None = None,
           detail: dict[str, Any] | None = None) -> tables.AuditEvent:
    """Add one audit event to the session (the caller commits)."""
    event = tables.AuditEvent(
        at=utcnow(), key_id=key_id, role=role, action=action[:200], object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:200], outcome=outcome,
        status=status, client=None if client is None else client[:100], detail=detail or {})
    session.add(event)
    session.flush()
    return event


def write(sessions: sessionmaker[Session], event: dict[str, Any]) -> None:
    """Record the event in a transaction of its own; a failure is logged, never raised."""
    try:
        with transaction(sessions) as session:
            record(session, **event)
    except Exception:
        log.exception("audit event not written: %s", event)


class AuditTrail:
    """ASGI middleware: audits the requests that reach a route (see the module's text)."""

    def __init__(self, app: ASGIApp, sessions: sessionmaker[Session]) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        written = False

        async def audited_send(message: Message) -> None:
            nonlocal written
            if message["type"] == "http.response.start" and not written:
                written = True
                await self._audit(scope, int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, audited_send)
        except Exception:
            if not written:
                written = True
                await self._audit(scope, 500)
            raise

    async def _audit(self, scope: Scope, status: int) -> None:
        event = audit_event(scope, status)
        if event is not None:
            await to_thread.run_sync(write, self.sessions, event)


def audit_event(scope: Scope, status: int) -> dict[str, Any] | None:
    """The event of a request that reached a route, or None when it is not audited."""
    route = scope.get("route")
    path = getattr(route, "path_format", None)
    if path is None:
        return None  # no route matched: nothing was reached
    method = scope["method"]
    state = scope.get("state") or {}
    out_of_scope = bool(state.get("out_of_scope"))
    refused = status in REFUSED_STATUSES or out_of_scope
    if not (refused or method not in ("GET", "HEAD") or (method, path) in PERSONAL_READS):
        return None
    params = scope.get("path_params") or {}
    name = next((p for p in params if p in OBJECT_TYPES), None)
    viewer = state.get("viewer")
    detail: dict[str, Any] = {}
    if state.get("refusal"):
        detail["reason"] = str(state["refusal"])[:500]
    if out_of_scope:
        detail["reason"] = "out of the viewer's scope"
    if viewer is not None and viewer.open:
        detail["open_mode"] = True
    client = scope.get("client")
    return {
        "action": f"{method} {path}", "key_id": viewer.key_id if viewer else None,
        "role": viewer.role.value if viewer and viewer.role else None,
        "object_type": OBJECT_TYPES[name] if name else None,
        "object_id": str(params[name]) if name else None,
        "outcome": REFUSED if refused else FAILED if status >= 400 else ALLOWED,
        "status": status, "client": client[0] if client else None, "detail": detail}
