"""Export of the selected conversations' scores, streamed: CSV (one row per conversation, the
columns of `iqs score --format csv`) or JSON Lines (one conversation with its criterion results
and turns per line). The store is read a batch at a time, so an export of any size holds one
batch in memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import RuntimeDep, VersionDep
from api.errors import ERRORS
from api.routers.conversations import FiltersDep
from api.security.auth import AuthorizedRoute
from api.store import queries

router = APIRouter(tags=["export"], route_class=AuthorizedRoute)

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the export, streamed", "content": {
        "text/csv": {"schema": {"type": "string"}, "example":
                     "id,agent_id,channel,language,score,passed,critical_failures,"
                     "greeting_score,greeting_passed,...,conversation_id,occurred_at,run_id\n"},
        "application/x-ndjson": {"schema": {"type": "string"}, "example":
                                 '{"conversation_id": 42, "id": "web-1001", "score": 98.05, '
                                 '"criteria": {...}, "turns": [...]}\n'}}},
    **ERRORS}


@router.get("/v1/export", response_class=StreamingResponse, responses=_RESPONSES)
def export(
    runtime: RuntimeDep, version: VersionDep, filters: FiltersDep,
    format: Annotated[Literal["csv", "jsonl"], Query(description="csv or jsonl")] = "csv",
) -> StreamingResponse:
    """Every conversation the filters select (as in GET /v1/conversations), newest first,
    with its latest run under the scorecard version."""
    queries.check_criterion(version, filters.criterion_failed)
    batches = queries.export_batches(runtime.sessions, version.id, filters)
    chunks: Iterator[str] = (queries.csv_chunks(batches, version.scorecard_name)
                             if format == "csv" else queries.jsonl_chunks(batches, version))
    name = f"iqs-{version.scorecard_name}-v{version.version}.{format}"
    return StreamingResponse(chunks, media_type=MEDIA_TYPES[format],
                             headers={"content-disposition": f'attachment; filename="{name}"'})
