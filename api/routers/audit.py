"""The audit log (admin): who did what to which object, when, and how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import NAME, TEXT, SessionDep
from api.errors import ERRORS
from api.schemas.audit import AuditEventOut, AuditPageOut
from api.security.auth import AuthorizedRoute
from api.store import queries

router = APIRouter(tags=["audit"], route_class=AuthorizedRoute)


@router.get("/v1/audit", response_model=AuditPageOut, responses=ERRORS)
def list_audit(
    session: SessionDep,
    key_id: Annotated[str | None, Query(pattern=r"^[0-9a-f]{1,32}$")] = None,
    role: Annotated[str | None, Query(pattern=NAME, examples=["supervisor"])] = None,
    outcome: Annotated[Literal["allowed", "refused", "failed"] | None, Query()] = None,
    object_type: Annotated[str | None, Query(pattern=NAME, examples=["conversation"])] = None,
    object_id: Annotated[str | None, Query(pattern=TEXT)] = None,
    since: Annotated[datetime | None, Query(description="from this time on (UTC if no zone)")
                     ] = None,
    until: Annotated[datetime | None, Query(description="before this time")] = None,
    cursor: Annotated[int | None, Query(ge=1, le=2**63 - 1,
                                        description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 100,
) -> AuditPageOut:
    """Audit events, newest first, a page at a time: every change, every refused attempt,
    every read of personal data, and the `iqs keys` commands."""
    filters = queries.AuditFilters(key_id=key_id, role=role, outcome=outcome,
                                   object_type=object_type, object_id=object_id, since=since,
                                   until=until)
    page = queries.audit_events(session, filters, cursor, limit)
    return AuditPageOut(items=[AuditEventOut.of(e) for e in page.items],
                        next_cursor=page.next_cursor)
