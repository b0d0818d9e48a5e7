"""The audit log at the HTTP boundary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.store import tables

_WHEN = "2026-12-01T15:17:22Z"


class AuditEventOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 812, "at": _WHEN, "key_id": "5f0c2a91d4e7b3a8", "role": "supervisor",
        "action": "GET /v1/conversations/{conversation_id}", "object_type": "conversation",
        "object_id": "42", "outcome": "refused", "status": 404, "client": "10.0.4.17",
        "detail": {"reason": "out of the viewer's scope"}}]})

    id: int
    at: datetime
    key_id: str | None = Field(description="the API key; null: no key, open mode or the CLI")
    role: str | None = Field(description='the key\'s role; "admin-cli": an `iqs` command')
    action: str = Field(description="method and route template, or the CLI command")
    object_type: str | None
    object_id: str | None
    outcome: str = Field(description="allowed, refused (401, 403, 429, out of scope) or failed")
    status: int | None = Field(description="the HTTP status answered")
    client: str | None = Field(description="the client's address")
    detail: dict[str, Any]

    @classmethod
    def of(cls, event: tables.AuditEvent) -> AuditEventOut:
        return cls(id=event.id, at=event.at, key_id=event.key_id, role=event.role,
                   action=event.action, object_type=event.object_type,
                   object_id=event.object_id, outcome=event.outcome, status=event.status,
                   client=event.client, detail=event.detail)


class AuditPageOut(BaseModel):
    items: list[AuditEventOut] = Field(description="newest first")
    next_cursor: int | None = Field(
        description="pass as `cursor` for the next (older) page; null on the last page")
