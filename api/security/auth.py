"""The request's viewer: who sent it (key, role, teams or agent) and what the route admits.
`authorize` is a dependency of every API route (create_app sets it app-wide): it finds the
matched route's template, reads its row of ROUTE_ROLES, and answers 401 (no key, or one that is
malformed, unknown, expired or revoked; with `WWW-Authenticate: Bearer`), 403 (a role the route
does not admit) or 429 (over the rate limit, with `Retry-After`).

Pages (api/web) sign in with a key once: it is kept in an HttpOnly, SameSite=Strict cookie
that `authorize` accepts when the request carries no key header. A change (POST, PATCH, DELETE)
authenticated by that cookie must echo the csrf cookie in an `X-CSRF-Token` header (double
submit), else 403: a form on another site cannot act with the cookie.

Open mode: while no key is active and the server is bound to a loopback address, a request
without a key is an admin's (local use, as before keys existed). On any other address, or once
a key is active, every non-public route needs a key."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from api.security.keys import KeyRing, Unauthenticated
from api.security.ratelimit import RateLimits
from api.security.roles import Public, Role, RouteTableError, admitted, names
from api.settings import Settings
from api.store.queries import Scope

KEY_HEADER = "x-api-key"
KEY_COOKIE = "iqs_key"
CSRF_COOKIE = "iqs_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Viewer:
    """Who is asking. `role` None: a public route called without a key."""

    role: Role | None
    key_id: str | None = None
    teams: frozenset[str] = field(default_factory=frozenset)
    agent_id: str | None = None
    open: bool = False
    """Open mode: no key, admin rights (loopback, no active key)."""

    @property
    def scope(self) -> Scope:
        if self.role is Role.SUPERVISOR:
            return Scope(teams=self.teams)
        if self.role is Role.AGENT:
            return Scope(agent_id=self.agent_id or "")
        return Scope()

    @property
    def sees_all_jobs(self) -> bool:
        return self.role in (Role.ADMIN, Role.QA)


class Refused(HTTPException):
    """401, 403 or 429, with the headers that go with it; audited as refused."""


class Guard:
    """What `authorize` needs, built once per app: the key ring and the rate limits."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.loopback = settings.bind_host is not None and loopback(settings.bind_host)
        self.keys = KeyRing(sessions, settings.key_cache_seconds)
        self.limits = RateLimits(settings)

    def open_mode(self) -> bool:
        return self.loopback and self.keys.no_active_key()


def presented_key(request: Request) -> str | None:
    """The key of the Authorization or X-API-Key header, else of the sign-in cookie."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else header.strip()
    return request.headers.get(KEY_HEADER) or request.cookies.get(KEY_COOKIE)


def csrf_ok(request: Request) -> bool:
    """A request authenticated by a header, a safe method, or one whose X-CSRF-Token header
    equals its csrf cookie (a page of another site can read neither)."""
    if request.method in SAFE_METHODS or request.headers.get("authorization") \
            or request.headers.get(KEY_HEADER) or KEY_COOKIE not in request.cookies:
        return True
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie, request.headers.get(CSRF_HEADER, ""))


def client_of(request: Request) -> str:
    return request.client.host if request.client else "(unknown)"


def authorize(request: Request) -> Viewer:
    """The viewer of the request, or Refused (sync: FastAPI runs it in its thread pool, so the
    key lookup and the rate-limit storage never block the event loop)."""
    done: Viewer | None = getattr(request.state, "viewer", None)
    if done is not None:  # authorised already, before the body was read (AuthorizedRoute)
        return done
    route = request.scope["route"]
    action = f"{request.method} {route.path_format}"
    admits = admitted(request.method, route.path_format)
    if isinstance(admits, Public):
        return Viewer(role=None)
    guard: Guard = request.app.state.guard
    presented = presented_key(request)
    if presented is None and guard.open_mode():
        viewer = Viewer(role=Role.ADMIN, open=True)
        request.state.viewer = viewer
        return viewer
    client = client_of(request)
    try:
        if presented is None:
            raise Unauthenticated("no API key: send `Authorization: Bearer <key>` (or "
                                  "`X-API-Key: <key>`); `iqs keys create` makes one")
        key = guard.keys.authenticate(presented)
    except Unauthenticated as exc:
        # Counted per address, after the key is looked at: a valid key is never refused for
        # its neighbours' failures behind one proxy or NAT (a 256-bit secret is not guessed;
        # the limit slows floods of bad attempts).
        wait = guard.limits.refused_wait(client)
        if wait is not None:
            raise _too_many(wait, f"too many refused attempts from {client}; try again in "
                                  f"{wait} s") from None
        guard.limits.hit_refused(client)
        raise Refused(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    viewer = Viewer(role=key.role, key_id=key.id, teams=key.teams, agent_id=key.agent_id)
    request.state.viewer = viewer
    if not csrf_ok(request):
        raise Refused(403, f"{action} with the sign-in cookie needs the {CSRF_HEADER} header "
                           f"equal to the {CSRF_COOKIE} cookie")
    wait = guard.limits.hit_key(key.id)
    if wait is not None:
        raise _too_many(wait, f"API key {key.id} is over its rate limit "
                              f"({guard.settings.rate_limit}); try again in {wait} s")
    if key.role not in admits:
        raise Refused(403, f"role {key.role.value!r} may not call {action} (roles: "
                           f"{names(admits)})")
    return viewer


class AuthorizedRoute(APIRoute):
    """An API route that checks the key before it reads the body: a caller the route does not
    admit gets 401/403/429, never a complaint about a body it had no right to send (FastAPI
    parses a JSON body before it runs the dependencies)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def authorized(request: Request) -> Response:
            await run_in_threadpool(authorize, request)
            return await handler(request)

        return authorized


def check_guarded(routes: Sequence[BaseRoute]) -> None:
    """Every API route that needs a key is an AuthorizedRoute (a router made without
    `route_class=AuthorizedRoute` would read bodies before the key is checked)."""
    unguarded = [f"{method} {r.path_format}" for r in routes
                 if isinstance(r, APIRoute) and not isinstance(r, AuthorizedRoute)
                 for method in sorted(r.methods or ())
                 if not isinstance(admitted(method, r.path_format), Public)]
    if unguarded:
        raise RouteTableError("routes not made with route_class=AuthorizedRoute: "
                              + ", ".join(unguarded))


def _too_many(wait: int, message: str) -> Refused:
    return Refused(429, message, headers={"Retry-After": str(wait)})
