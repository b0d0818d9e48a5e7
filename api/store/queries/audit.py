"""The audit log, newest first: who (key, role) did what (method and route, or a CLI command)
to which object, when, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from api.store import tables
from api.store.queries.filters import MAX_LIMIT, QueryError, utc


@dataclass(frozen=True)
class AuditFilters:
    key_id: str | None = None
    role: str | None = None
    outcome: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        e = tables.AuditEvent
        since, until = utc(self.since, "since"), utc(self.until, "until")
        if since is not None and until is not None and since >= until:
            raise QueryError("must be later than since", location="until")
        where: list[ColumnElement[bool]] = []
        for column, value in ((e.key_id, self.key_id), (e.role, self.role),
                              (e.outcome, self.outcome), (e.object_type, self.object_type),
                              (e.object_id, self.object_id)):
            if value is not None:
                where.append(column == value)
        if since is not None:
            where.append(e.at >= since)
        if until is not None:
            where.append(e.at < until)
        return where


@dataclass
class AuditPage:
    items: list[tables.AuditEvent]
    next_cursor: int | None
    """The id to pass as `before` for the next page; None on the last page."""


def audit_events(session: Session, filters: AuditFilters, before: int | None = None,
                 limit: int = 100) -> AuditPage:
    """A page of audit events, newest first (by id: events are numbered as written), those
    with an id below `before` when given."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"must be between 1 and {MAX_LIMIT}", location="limit")
    e = tables.AuditEvent
    query = select(e).where(*filters.conditions())
    if before is not None:
        query = query.where(e.id < before)
    rows = list(session.scalars(query.order_by(e.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(rows, rows[-1].id if more and rows else None)
