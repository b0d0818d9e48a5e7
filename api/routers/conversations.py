"""Stored conversations: the filtered listing with cursor pagination, one conversation with its
score run and evidence, and a call's recording (with range requests, so a player can seek).

Scores are those of each conversation's latest run under the scorecard version asked for
(`scorecard`, `version`; default: the latest version of "default")."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import FileResponse

from api.deps import MAX_ID, NAME, TEXT, RuntimeDep, SessionDep, VersionDep, ViewerDep
from api.errors import ERRORS
from api.schemas.conversations import ConversationItem, ConversationOut, ConversationPage
from api.security.auth import AuthorizedRoute
from api.store import queries

router = APIRouter(tags=["conversations"], route_class=AuthorizedRoute)

AUDIO_TYPES = {".flac": "audio/flac", ".wav": "audio/wav", ".mp3": "audio/mpeg",
               ".ogg": "audio/ogg", ".opus": "audio/ogg", ".m4a": "audio/mp4"}


Since = Annotated[datetime | None, Query(
    description="from this time on (ISO 8601; UTC when no zone is given)",
    examples=["2024-05-01T00:00:00Z"])]
Until = Annotated[datetime | None, Query(description="before this time (exclusive)",
                                         examples=["2024-06-01"])]


def period(viewer: ViewerDep, since: Since = None, until: Until = None) -> queries.Filters:
    """A period only (the aggregates' selection), within the viewer's scope."""
    return queries.Filters(since=since, until=until, scope=viewer.scope).checked()


def conversation_filters(
    viewer: ViewerDep,
    agent_id: Annotated[str | None, Query(
        pattern=TEXT, description='agent id; "(unknown)": conversations without an agent',
        examples=["a-anna"])] = None,
    team: Annotated[str | None, Query(
        pattern=TEXT, description='team id of the agent; "(none)": agents in no team',
        examples=["north"])] = None,
    channel: Annotated[Literal["call", "chat"] | None, Query()] = None,
    language: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$",
                                          examples=["en"])] = None,
    since: Since = None,
    until: Until = None,
    min_score: Annotated[float | None, Query(ge=0, le=100, allow_inf_nan=False,
                                             description="score at least")] = None,
    max_score: Annotated[float | None, Query(ge=0, le=100, allow_inf_nan=False,
                                             description="score at most")] = None,
    critical: Annotated[bool | None, Query(
        description="true: with a critical failure; false: without")] = None,
    criterion_failed: Annotated[str | None, Query(
        pattern=NAME, description="this criterion applied and failed",
        examples=["greeting"])] = None,
    passed: Annotated[bool | None, Query(description="the conversation passed")] = None,
) -> queries.Filters:
    return queries.Filters(
        agent_id=agent_id, team=team, channel=channel, language=language, since=since,
        until=until, min_score=min_score, max_score=max_score, critical=critical,
        criterion_failed=criterion_failed, passed=passed, scope=viewer.scope).checked()


FiltersDep = Annotated[queries.Filters, Depends(conversation_filters)]
ConversationId = Annotated[int, Path(ge=1, le=MAX_ID, description="conversation id")]


def conversation_in_scope(session: SessionDep, viewer: ViewerDep,
                          conversation_id: ConversationId) -> None:
    """404 (as if it did not exist; audited as refused) for a conversation outside the
    viewer's scope."""
    queries.check_conversation_scope(session, conversation_id, viewer.scope)


InScope = Depends(conversation_in_scope)


@router.get("/v1/conversations", response_model=ConversationPage, responses=ERRORS)
def list_conversations(
    session: SessionDep, version: VersionDep, filters: FiltersDep,
    cursor: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,400}$",
                                        description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 50,
) -> ConversationPage:
    """Conversations scored under the scorecard version, newest first, a page at a time."""
    queries.check_criterion(version, filters.criterion_failed)
    page = queries.list_conversations(session, version.id, filters, cursor, limit)
    return ConversationPage(scorecard=version.scorecard_name, version=version.version,
                            items=[ConversationItem.of(i) for i in page.items],
                            next_cursor=page.next_cursor)


@router.get("/v1/conversations/{conversation_id}", response_model=ConversationOut,
            responses=ERRORS, dependencies=[InScope])
def get_conversation(
    session: SessionDep, version: VersionDep, conversation_id: ConversationId,
    run: Annotated[int | None, Query(ge=1, le=MAX_ID,
                                     description="show this run of the conversation (history)")
                   ] = None,
) -> ConversationOut:
    """Turns, the score run with every criterion's evidence, timing, the scorecard and model
    versions, and the ids of all runs."""
    detail = queries.conversation_detail(session, conversation_id, version.id, run)
    if detail is None:
        raise HTTPException(404, f"conversation {conversation_id} not found")
    return ConversationOut.of(detail)


_AUDIO: dict[int | str, dict[str, Any]] = {
    200: {"description": "the recording", "content": {
        "audio/*": {"schema": {"type": "string", "format": "binary"}}}},
    206: {"description": "the byte range asked for (`Range: bytes=START-END`)", "content": {
        "audio/*": {"schema": {"type": "string", "format": "binary"}}}},
    416: {"description": "range not satisfiable"},
    **ERRORS}


@router.get("/v1/conversations/{conversation_id}/audio", response_class=FileResponse,
            responses=_AUDIO, dependencies=[InScope])
def get_audio(session: SessionDep, runtime: RuntimeDep,
              conversation_id: ConversationId) -> FileResponse:
    """The call recording the conversation was transcribed from, with the words that carried
    personal data silenced (unless redaction is off). Range requests are answered 206 with the
    bytes asked for."""
    conversation, source = queries.audio_file(session, conversation_id)
    if conversation is None:
        raise HTTPException(404, f"conversation {conversation_id} not found")
    if source is None:
        raise HTTPException(404, f"conversation {conversation_id} has no audio: it was not "
                                 f"read from a call recording ({conversation.channel}, "
                                 f"{conversation.source_name or 'sent as JSON'})")
    served = conversation.audio_path or ""
    path = runtime.files.path(served)
    if not served or not path.is_file():
        raise HTTPException(404, f"conversation {conversation_id}: its recording "
                                 f"{source.filename} is missing from the files folder")
    # The redacted copy is FLAC: named as the upload, with its own suffix.
    name = PurePosixPath(source.filename).with_suffix(PurePosixPath(served).suffix).name
    media_type = (AUDIO_TYPES.get(PurePosixPath(name).suffix.lower())
                  or mimetypes.guess_type(name)[0] or "application/octet-stream")
    return FileResponse(path, media_type=media_type, filename=name,
                        content_disposition_type="inline")
