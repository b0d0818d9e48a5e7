"""Error bodies: every 4xx/5xx is an `ErrorBody` whose message names the bad field, file or
limit. IQS errors raised by the library become 4xx here, never 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from api.schemas import ErrorBody, FieldProblem
from api.store.queries import OutOfScope
from api.store.scorecards import UnknownScorecard
from scorer.errors import ConfigError, IQSError, ReadError

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": description} for code, description in (
        (400, "bad request"), (404, "not found"), (413, "too large"),
        (422, "invalid request: the message names each bad field or file"))}


_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no API key, or one that is malformed, unknown, expired or revoked "
                         "(`WWW-Authenticate: Bearer`)", "content": _ERROR_BODY},
    403: {"description": "the key's role may not call this route", "content": _ERROR_BODY},
    429: {"description": "over the rate limit: wait `Retry-After` seconds",
          "content": _ERROR_BODY}}
"""The refusals of every non-public route (api/security/roles.py adds them)."""

_LABELS = {400: "bad request", 401: "not authenticated", 403: "forbidden", 404: "not found",
           405: "method not allowed", 413: "request too large", 415: "unsupported media type",
           422: "invalid request", 429: "too many requests"}


def error_label(status: int) -> str:
    """The error body's short label of a status ("not found")."""
    return _LABELS.get(status, "request failed")


def error_response(status: int, error: str, message: str,
                   fields: list[FieldProblem] | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=error, message=message, fields=fields or [])
    return JSONResponse(status_code=status, content=body.model_dump(), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [_field_problem(e) for e in exc.errors()]
        message = "; ".join(f"{f.field}: {f.problem}" for f in fields)
        return error_response(422, "invalid request", message, fields)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        label = error_label(exc.status_code)
        if exc.status_code in (401, 403, 429):
            request.state.refusal = str(exc.detail)  # for the audit log
        return error_response(exc.status_code, label, str(exc.detail), headers=exc.headers)

    @app.exception_handler(IQSError)
    async def iqs_error(request: Request, exc: IQSError) -> JSONResponse:
        if isinstance(exc, OutOfScope):  # answered as not found, audited as refused
            request.state.out_of_scope = True
            return error_response(404, "not found", exc.message)
        if isinstance(exc, UnknownScorecard):
            return error_response(404, "not found", str(exc))
        kind = ("invalid file" if isinstance(exc, ReadError) else
                "invalid configuration" if isinstance(exc, ConfigError) else "invalid request")
        return error_response(422, kind, str(exc))


def _field_problem(error: dict[str, Any]) -> FieldProblem:
    if error["type"] == "json_invalid":  # loc is ("body", character position)
        position = error["loc"][-1]
        detail = error.get("ctx", {}).get("error", "")
        return FieldProblem(field="(body)",
                            problem=f"invalid JSON at character {position}: {detail}".rstrip(": "))
    path = ".".join(str(p) for p in error["loc"] if p != "body")
    return FieldProblem(field=path or "(body)", problem=error["msg"])


class BodyLimit(BaseHTTPMiddleware):
    """Refuse bodies over the limit before reading them (by Content-Length), 413. Uploads
    (multipart) have their own, larger limit, enforced again while they stream."""

    def __init__(self, app: object, limit: int, upload_limit: int) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.limit = limit
        self.upload_limit = upload_limit

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length")
        multipart = request.headers.get("content-type", "").startswith("multipart/")
        limit = self.upload_limit if multipart else self.limit
        if length is not None and length.isdigit() and int(length) > limit:
            return error_response(413, "request too large",
                                  f"body of {length} bytes exceeds the limit of {limit} bytes")
        return await call_next(request)
