"""THE route × role table: every route of the app, with the roles it admits, or PUBLIC. It is
the documentation too: each route's OpenAPI description ends with its roles, and the app does
not build while a route is missing here (`check_table`).

Scoping comes on top of the table: a supervisor reads the conversations, agents and teams of
the teams they lead, an agent their own; a conversation, agent or team outside the viewer's
scope answers 404 (its existence is not revealed). Jobs: admin and qa see every job, any other
key the jobs it created."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Any, Final

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute, Mount, Route


class Role(enum.StrEnum):
    ADMIN = "admin"
    """Everything, the audit log and metrics included."""
    QA = "qa"
    """Import, rescore, scorecards; every conversation, agent, team and export; review,
    resolve disputes."""
    SUPERVISOR = "supervisor"
    """Read and review the teams they lead: conversations, audio, agents, teams, export, the
    review queue, reviews and agreement."""
    AGENT = "agent"
    """Read their own conversations (and audio), scores and reviews; dispute a review."""
    ML = "ml"
    """Export training data (transcripts are redacted in the store; reviews as labelled
    transcripts), train models from reviews and follow those jobs, score statelessly."""
    INTEGRATION = "integration"
    """Import, follow its own jobs, read agent and team aggregates: no transcript, no audio."""


class Public:
    """The marker of routes anyone may call: health, the API description and its pages."""

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC: Final = Public()
Admitted = frozenset[Role] | Public

A, Q, S, G, M, IN = (Role.ADMIN, Role.QA, Role.SUPERVISOR, Role.AGENT, Role.ML,
                     Role.INTEGRATION)


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


ROUTE_ROLES: Final[dict[tuple[str, str], Admitted]] = {
    # the service itself
    ("GET", "/health"): PUBLIC,
    ("GET", "/metrics"): _roles(A),
    # the API description and its pages: no data, anyone
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("MOUNT", "/static-offline-docs"): PUBLIC,
    # scoring without storing
    ("POST", "/v1/score"): _roles(A, Q, M, IN),
    # scorecards
    ("GET", "/v1/scorecards"): _roles(A, Q, S, G, M),
    ("GET", "/v1/scorecards/{name}"): _roles(A, Q, S, G, M),
    ("POST", "/v1/scorecards/{name}/versions"): _roles(A, Q),
    # ingestion and jobs
    ("POST", "/v1/conversations"): _roles(A, Q, IN),
    ("GET", "/v1/jobs/{job_id}"): _roles(A, Q, M, IN),
    ("POST", "/v1/rescore"): _roles(A, Q),
    # stored conversations (scoped: supervisor their teams, agent their own)
    ("GET", "/v1/conversations"): _roles(A, Q, S, G),
    ("GET", "/v1/conversations/{conversation_id}"): _roles(A, Q, S, G),
    ("GET", "/v1/conversations/{conversation_id}/audio"): _roles(A, Q, S, G),
    # aggregates (scoped as above; integration reads them all)
    ("GET", "/v1/agents"): _roles(A, Q, S, G, IN),
    ("GET", "/v1/agents/{agent_id}"): _roles(A, Q, S, G, IN),
    ("PATCH", "/v1/agents/{agent_id}"): _roles(A),
    ("GET", "/v1/teams"): _roles(A, Q, S, IN),
    ("GET", "/v1/teams/{team_id}"): _roles(A, Q, S, IN),
    ("GET", "/v1/export"): _roles(A, Q, S, M),
    # the audit log
    ("GET", "/v1/audit"): _roles(A),
    # people's reviews (scoped as conversations: supervisor their teams, agent their own)
    ("GET", "/v1/review-queue"): _roles(A, Q, S),
    ("POST", "/v1/review-queue/{item_id}/claim"): _roles(A, Q, S),
    ("POST", "/v1/review-queue/{item_id}/release"): _roles(A, Q, S),
    ("POST", "/v1/conversations/{conversation_id}/reviews"): _roles(A, Q, S),
    ("GET", "/v1/conversations/{conversation_id}/reviews"): _roles(A, Q, S, G),
    ("POST", "/v1/reviews/{review_id}/disputes"): _roles(G),
    ("GET", "/v1/agreement"): _roles(A, Q, S),
    ("GET", "/v1/agreement/calibration"): _roles(A, Q, S),
    ("POST", "/v1/disputes/{dispute_id}/resolve"): _roles(A, Q),
    # blind calibration sessions (a supervisor: the sessions they review in)
    ("POST", "/v1/calibration-sessions"): _roles(A, Q),
    ("GET", "/v1/calibration-sessions"): _roles(A, Q, S),
    ("GET", "/v1/calibration-sessions/{session_id}"): _roles(A, Q, S),
    ("POST", "/v1/calibration-sessions/{session_id}/reviews/{conversation_id}"): _roles(A, Q, S),
    ("POST", "/v1/calibration-sessions/{session_id}/close"): _roles(A, Q),
    # training from reviews (the export is scoped as conversations)
    ("GET", "/v1/reviews/export"): _roles(A, Q, M),
    ("POST", "/v1/models/train"): _roles(A, M),
    ("GET", "/v1/models"): _roles(A, Q, M),
    ("GET", "/v1/models/{model_name}"): _roles(A, Q, M),
    # the web pages (api/web): the roles of the API routes they show
    ("MOUNT", "/static"): PUBLIC,
    ("GET", "/sign-in"): PUBLIC,
    ("POST", "/sign-in"): PUBLIC,
    ("POST", "/sign-out"): PUBLIC,
    ("GET", "/queue"): _roles(A, Q, S),
    ("GET", "/conversations/{conversation_id}"): _roles(A, Q, S, G),
    ("GET", "/agents"): _roles(A, Q, S, G, IN),
    ("GET", "/agents/{agent_id}"): _roles(A, Q, S, G, IN),
    ("GET", "/agreement"): _roles(A, Q, S),
    ("GET", "/calibration"): _roles(A, Q, S),
    ("POST", "/calibration"): _roles(A, Q),
    ("GET", "/calibration/{session_id}"): _roles(A, Q, S),
    ("GET", "/scorecards"): _roles(A, Q, S, G, M),
    ("GET", "/scorecards/{name}"): _roles(A, Q, S, G, M),
    ("POST", "/scorecards/{name}/validate"): _roles(A, Q),
}

PERSONAL_READS: Final = frozenset({
    ("GET", "/v1/conversations/{conversation_id}"),
    ("GET", "/conversations/{conversation_id}"),
    ("GET", "/v1/conversations/{conversation_id}/audio"),
    ("GET", "/v1/export"),
    ("GET", "/v1/reviews/export")})
"""Reads of personal data: audited even when allowed (besides every non-GET request)."""

OBJECT_TYPES: Final = {"conversation_id": "conversation", "agent_id": "agent",
                       "team_id": "team", "job_id": "job", "name": "scorecard",
                       "item_id": "review_item", "review_id": "review",
                       "dispute_id": "dispute", "session_id": "calibration_session",
                       "model_name": "model"}
"""A path parameter and the kind of object it names (the audit log's object_type)."""


class RouteTableError(RuntimeError):
    """A route of the app is missing from ROUTE_ROLES (or the table names a route the app
    does not have)."""


def admitted(method: str, path: str) -> Admitted:
    """The roles the route admits; KeyError when it is not in the table."""
    return ROUTE_ROLES[("GET" if method == "HEAD" else method, path)]


def route_keys(route: BaseRoute) -> list[tuple[str, str]]:
    if isinstance(route, Mount):
        return [("MOUNT", route.path)]
    if isinstance(route, APIRoute | Route):
        return [(m, route.path_format) for m in sorted(route.methods or ()) if m != "HEAD"]
    return [(type(route).__name__, str(getattr(route, "path", route)))]


def check_table(routes: Sequence[BaseRoute]) -> None:
    """RouteTableError naming every route without a row, every row without a route, every
    route the app cannot guard (not an API route) that is not PUBLIC, and every route whose
    served path is not its own (a router included with a prefix: `authorize` reads the
    route's own template)."""
    seen: dict[tuple[str, str], BaseRoute] = {}
    moved = []
    for context in iter_route_contexts(routes):
        route = context.original_route
        declared = getattr(route, "path_format", None)
        if declared not in (None, context.path_format):
            moved.append(f"{context.path_format} (declared as {declared})")
        seen.update((key, route) for key in route_keys(route))
    missing = sorted(f"{m} {p}" for m, p in seen if (m, p) not in ROUTE_ROLES)
    unused = sorted(f"{m} {p}" for m, p in ROUTE_ROLES if (m, p) not in seen)
    unguarded = sorted(f"{m} {p}" for (m, p), route in seen.items()
                       if not isinstance(route, APIRoute)
                       and ROUTE_ROLES.get((m, p), PUBLIC) is not PUBLIC)
    problems = [f"{what}: {', '.join(found)}" for what, found in (
        ("not in api/security/roles.py ROUTE_ROLES", missing),
        ("in ROUTE_ROLES but not a route of the app", unused),
        ("not an API route, so it can only be PUBLIC", unguarded),
        ("included with a prefix, which the table cannot see", moved)) if found]
    if problems:
        raise RouteTableError("; ".join(problems))


def names(roles: Iterable[Role]) -> str:
    """Roles in the table's order: "admin, qa"."""
    chosen = set(roles)
    return ", ".join(r.value for r in Role if r in chosen)


SECURITY_SCHEME = "apiKey"
SECURITY_SCHEMES: Final = {SECURITY_SCHEME: {
    "type": "http", "scheme": "bearer",
    "description": "an IQS API key (`iqs keys create`), as `Authorization: Bearer <key>`"}}


def describe(admits: Admitted) -> str:
    return "Roles: anyone (no key needed)." if isinstance(admits, Public) \
        else f"Roles: {names(admits)}."


def document(routes: Sequence[BaseRoute], refusals: dict[int | str, dict[str, Any]]) -> None:
    """Write each API route's roles at the end of its OpenAPI description, and the refusals
    (401, 403, 429) into its responses unless it is public. Call it on a router's routes
    before the router is included (the app copies them then); calling it again changes
    nothing."""
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        admits = admitted(sorted(route.methods or {"GET"})[0], route.path_format)
        text = describe(admits)
        description = route.description.split("\n\nRoles: ")[0].rstrip()
        if description.startswith("Roles: "):
            description = ""
        route.description = f"{description}\n\n{text}".lstrip()
        if not isinstance(admits, Public):
            route.responses = {**route.responses, **refusals}
            # The API key, as OpenAPI names it (the docs page's "Authorize" button).
            route.openapi_extra = {**(route.openapi_extra or {}),
                                   "security": [{SECURITY_SCHEME: []}]}
