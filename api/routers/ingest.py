"""Ingestion: `POST /v1/conversations` takes IQS JSON (one conversation, a list, or
`{"conversations": [...]}`) or a multipart upload of files in any format the readers take,
audio included. The same bytes give the same conversations. Small text batches are scored
within the request (201); audio and larger batches become a job (202, `GET /v1/jobs/{id}`)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from api.deps import TEXT, QueueDep, RuntimeDep, VersionDep, ViewerDep
from api.errors import ERRORS
from api.jobs.runtime import Runtime
from api.jobs.tasks import ReadFile, ingest_now, read_files, submit_ingest
from api.schemas.jobs import IngestOut, JobOut
from api.security.auth import AuthorizedRoute
from api.store import tables
from api.store.db import transaction
from api.store.files import CHUNK, StoredFile
from scorer.asr.options import TranscriptionOptions
from scorer.conversation import Conversation, Turn
from scorer.readers import READERS, ReaderOptions

router = APIRouter(tags=["conversations"], route_class=AuthorizedRoute)
JSON_NAME = "request.json"
MAX_FILES = 1000

_EXAMPLE = {"id": "chat-1", "agent_id": "a-7", "channel": "chat", "turns": [
    {"role": "agent", "text": "Good morning, my name is Lena, how can I help you?"},
    {"role": "customer", "text": "My order never arrived."}]}
_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"oneOf": [
        {"$ref": "#/components/schemas/Conversation"},
        {"type": "array", "items": {"$ref": "#/components/schemas/Conversation"}},
        {"type": "object", "required": ["conversations"], "properties": {"conversations": {
            "type": "array", "items": {"$ref": "#/components/schemas/Conversation"}}}}]},
        "example": _EXAMPLE},
    "multipart/form-data": {"schema": {"type": "object", "required": ["files"], "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                  "description": "files in any supported format; a name may carry a "
                                 "relative folder (metadata beside transcripts)"}}}}}}}


def _options(format: str | None, language: str | None, encoding: str | None,
             asr_model: str | None, runtime: Runtime) -> ReaderOptions:
    if format is not None and format not in READERS:
        raise HTTPException(422, f"format: unknown input format {format!r}; "
                                 f"choose one of {sorted(READERS)}")
    try:
        return ReaderOptions(format=format, language=language, encoding=encoding,
                             asr=TranscriptionOptions(model=asr_model or runtime.settings.asr_model,
                                                      language=language))
    except ValueError as exc:
        raise HTTPException(422, str(exc).replace("\n", " ")) from exc


@router.post("/v1/conversations", status_code=201, response_model=IngestOut,
             responses={202: {"model": IngestOut, "description": "queued as a job"}, **ERRORS},
             openapi_extra=_BODY)
async def ingest(
    request: Request, runtime: RuntimeDep, queue: QueueDep, version: VersionDep,
    viewer: ViewerDep,
    format: Annotated[str | None, Query(pattern=TEXT,
                                        description="force a reader, e.g. csv")] = None,
    language: Annotated[str | None, Query(pattern=TEXT,
                                          description="force the language, e.g. ru")] = None,
    encoding: Annotated[str | None, Query(pattern=TEXT,
                                          description="text encoding of the files")] = None,
    asr_model: Annotated[str | None, Query(pattern=TEXT,
                                           description="speech-to-text model")] = None,
) -> Any:
    options = _options(format, language, encoding, asr_model, runtime)
    version_id = version.id
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        files = await _uploaded(request, runtime)
    elif content_type.startswith("application/json") or not content_type:
        body = await request.body()
        _check_json(body)
        files = [await run_in_threadpool(runtime.files.put, [body], JSON_NAME,
                                         runtime.settings.max_request_bytes)]
    else:
        raise HTTPException(415, f"content-type {content_type!r}: send application/json or "
                                 "multipart/form-data")
    return await run_in_threadpool(_ingest, runtime, queue, files, version_id, options,
                                   viewer.key_id)


def _ingest(runtime: Runtime, queue: QueueDep, files: list[StoredFile], version_id: int,
            options: ReaderOptions, key_id: str | None) -> JSONResponse:
    audio = READERS["audio"].extensions
    reads: list[ReadFile] = []
    if not any(f.name.lower().endswith(audio) for f in files):
        reads = list(read_files(runtime, files, options))
        failures = [r for r in reads if r.error is not None]
        if failures:  # nothing is stored from a request with a bad file
            raise HTTPException(422, "; ".join(str(r.error) for r in failures))
        if not reads:
            raise HTTPException(422, "files: none of the files is a conversation format "
                                     f"({', '.join(f.name for f in files)})")
    count = sum(len(r.conversations) for r in reads)
    if reads and count <= runtime.settings.inline_max_conversations:
        job_id, ids = ingest_now(runtime, reads, version_id, options, key_id)
        status, scored = 201, True
    else:
        job_id = submit_ingest(runtime, files, version_id, options, key_id)
        ids, status, scored = [], 202, False
    with transaction(runtime.sessions) as session:
        job = session.get(tables.Job, job_id)
        assert job is not None
        out = IngestOut(job=JobOut.of(job), conversation_ids=ids, scored=scored)
    if not scored:
        queue.send(job_id)
    return JSONResponse(status_code=status, content=out.model_dump(mode="json"))


async def _uploaded(request: Request, runtime: Runtime) -> list[StoredFile]:
    form = await request.form(max_files=MAX_FILES, max_fields=20)
    try:
        unknown = sorted(set(form.keys()) - {"files"})
        if unknown:
            raise HTTPException(422, f"{unknown[0]}: unknown form field; send the files as "
                                     "'files'")
        uploads = [u for u in form.getlist("files") if isinstance(u, UploadFile)]
        if not uploads:
            raise HTTPException(422, "files: no file uploaded")
        stored = []
        for upload in uploads:
            handle = upload.file
            chunks = iter(lambda h=handle: h.read(CHUNK), b"")  # type: ignore[misc]
            stored.append(await run_in_threadpool(
                runtime.files.put, chunks, upload.filename or "",
                runtime.settings.max_upload_bytes))
        names = [f.name for f in stored]
        if len(set(names)) < len(names):
            raise HTTPException(422, "files: two files have the same name")
        return stored
    finally:
        await form.close()


def _check_json(body: bytes) -> None:
    """Invalid JSON and unknown fields are refused with the place named (a misspelt field
    would otherwise be dropped without a word)."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(422, f"(body): invalid JSON: {exc}") from exc
    records = data.get("conversations") if isinstance(data, dict) and "conversations" in data \
        else data
    prefix = "conversations" if records is not data else ""
    if isinstance(records, dict):
        records, prefix = [records], ""
    if not isinstance(records, list) or not records:
        raise HTTPException(422, "(body): expected a conversation, a non-empty list of them, or "
                                 "{\"conversations\": [...]}")
    for index, record in enumerate(records):
        where = f"{prefix}[{index}]" if prefix or len(records) > 1 or data is records else ""
        _unknown_fields(record, where, Conversation.model_fields)
        turns = record.get("turns") if isinstance(record, dict) else None
        for number, turn in enumerate(turns if isinstance(turns, list) else []):
            _unknown_fields(turn, f"{where}.turns[{number}]".lstrip("."), Turn.model_fields)


def _unknown_fields(record: Any, where: str, known: dict[str, Any]) -> None:
    if isinstance(record, dict):
        unknown = sorted(set(record) - set(known))
        if unknown:
            path = f"{where}.{unknown[0]}" if where else unknown[0]
            raise HTTPException(422, f"{path}: unknown field; known: {', '.join(known)}")
