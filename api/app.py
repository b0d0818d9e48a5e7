"""The IQS HTTP API: score a conversation, list scorecards, report health.

Errors are JSON bodies (`ErrorBody`) whose message names the bad field, the unknown scorecard
or the size limit that was exceeded.
"""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from api.schemas import ErrorBody, FieldProblem, Health, ScorecardCriterion, ScorecardInfo
from api.settings import Settings
from scorer import __version__
from scorer.conversation import Conversation
from scorer.criteria import registered_criteria
from scorer.errors import ConfigError
from scorer.language import SUPPORTED_LANGUAGES
from scorer.scorecard import Scorecard, load_scorecard
from scorer.scoring import ConversationScore, Scorer


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="IQS", version=__version__,
                  description="Interaction quality scoring for customer-service conversations")
    scorers = _ScorerCache(settings.scorecard_dir)

    app.add_middleware(_BodyLimit, limit=settings.max_request_bytes)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [_field_problem(e) for e in exc.errors()]
        message = "; ".join(f"{f.field}: {f.problem}" for f in fields)
        return _error(422, "invalid request", message, fields)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, "request failed", str(exc.detail))

    def scorer_for(scorecard: Annotated[str, Query(
            description="bundled scorecard name")] = settings.default_scorecard) -> Scorer:
        return scorers.get(scorecard)

    @app.get("/health", response_model=Health)
    def health() -> Health:
        return Health(status="ok", version=__version__, criteria=registered_criteria(),
                      languages=list(SUPPORTED_LANGUAGES))

    @app.get("/v1/scorecards", response_model=list[ScorecardInfo])
    def list_scorecards() -> list[ScorecardInfo]:
        return [_describe(scorers.get(p.stem).scorecard)
                for p in sorted(settings.scorecard_dir.glob("*.yaml"))]

    @app.post("/v1/score", response_model=ConversationScore,
              responses={404: {"model": ErrorBody}, 413: {"model": ErrorBody},
                         422: {"model": ErrorBody}})
    def score(conversation: Conversation,
              scorer: Annotated[Scorer, Depends(scorer_for)]) -> ConversationScore:
        return scorer.score(conversation)

    return app


class _ScorerCache:
    """One Scorer per scorecard name, built on first use (building loads the formula packs)."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._get = lru_cache(maxsize=32)(self._build)

    def get(self, name: str) -> Scorer:
        return self._get(name)

    def _build(self, name: str) -> Scorer:
        path = self._directory / f"{name}.yaml"
        if not name.replace("-", "").replace("_", "").isalnum() or not path.is_file():
            raise HTTPException(404, f"scorecard {name!r} not found")
        try:
            return Scorer(load_scorecard(path))
        except ConfigError as exc:
            raise HTTPException(500, f"scorecard {name!r} is invalid: {exc}") from exc


def _describe(card: Scorecard) -> ScorecardInfo:
    return ScorecardInfo(
        name=card.name, description=card.description, pass_score=card.pass_score,
        criteria={k: ScorecardCriterion(type=s.type or k, weight=s.weight,
                                        pass_threshold=s.pass_threshold, critical=s.critical)
                  for k, s in card.criteria.items()})


def _field_problem(error: dict[str, Any]) -> FieldProblem:
    if error["type"] == "json_invalid":  # loc is ("body", character position)
        position = error["loc"][-1]
        detail = error.get("ctx", {}).get("error", "")
        return FieldProblem(field="(body)",
                            problem=f"invalid JSON at character {position}: {detail}".rstrip(": "))
    path = ".".join(str(p) for p in error["loc"] if p != "body")
    return FieldProblem(field=path or "(body)", problem=error["msg"])


def _error(status: int, error: str, message: str,
           fields: list[FieldProblem] | None = None) -> JSONResponse:
    body = ErrorBody(error=error, message=message, fields=fields or [])
    return JSONResponse(status_code=status, content=body.model_dump())


class _BodyLimit(BaseHTTPMiddleware):
    """Refuse bodies over the limit before reading them (by Content-Length), 413."""

    def __init__(self, app: object, limit: int) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.limit = limit

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return _error(413, "request too large",
                          f"body of {length} bytes exceeds the limit of {self.limit} bytes")
        return await call_next(request)
