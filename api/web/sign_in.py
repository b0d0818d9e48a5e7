"""Signing in and out of the pages with an API key (`iqs keys create`). The key is kept in an
HttpOnly, SameSite=Strict cookie (Secure over https) that `authorize` accepts; a csrf cookie,
readable by our script, is echoed in the X-CSRF-Token header of every change. A refused key
counts against the refused-attempt rate limit, as a bad key header does; both outcomes are
audited (every POST is)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.security.auth import (
    CSRF_COOKIE,
    KEY_COOKIE,
    Guard,
    Viewer,
    client_of,
)
from api.security.keys import Unauthenticated
from api.web.pages import local_path, page_router, refusal_page
from api.web.render import home_of, language_of, render

router = page_router()

KEY_MAX_AGE = 12 * 3600
"""A page sign-in lasts a working day (the key itself may live longer)."""


def _form(request: Request, next_path: str, error: str | None, status: int) -> Response:
    return render(request, "sign_in.html", {"next": next_path, "error": error}, status=status)


@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    return _form(request, local_path(next, ""), None, 200)


@router.post("/sign-in")
async def sign_in(request: Request, key: Annotated[str, Form(max_length=200)] = "",
                  next: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Check the key; on success set the cookies and go to `next` (a local path), else to
    the key's home page (`home_of`: an agent's own page, ...)."""
    guard: Guard = request.app.state.guard
    client = client_of(request)
    target = local_path(next, "")
    try:
        info = await run_in_threadpool(guard.keys.authenticate, key)
    except Unauthenticated as exc:
        # Counted after the key is looked at, as `authorize` does: a valid key is never
        # refused for its neighbours' failures.
        wait = guard.limits.refused_wait(client)
        if wait is not None:
            request.state.refusal = f"too many refused attempts from {client}"
            response = refusal_page(request, 429, request.state.refusal)
            response.headers["Retry-After"] = str(wait)
            return response
        guard.limits.hit_refused(client)
        request.state.refusal = f"sign-in: {exc}"  # the audit log's reason
        return _form(request, target, language_of(request).gettext(
            "This key was not accepted: it is unknown, malformed, expired or revoked."), 401)
    viewer = Viewer(role=info.role, key_id=info.id, teams=info.teams, agent_id=info.agent_id)
    request.state.viewer = viewer  # the audit event names the key
    response = RedirectResponse(target or home_of(viewer), status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(KEY_COOKIE, key.strip(), max_age=KEY_MAX_AGE, httponly=True,
                        samesite="strict", secure=secure)
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), max_age=KEY_MAX_AGE,
                        samesite="strict", secure=secure)
    return response


@router.post("/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Forget the key cookie; the form carries the csrf token, so another site cannot sign
    a viewer out."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    if request.cookies.get(KEY_COOKIE) and not (
            expected and hmac.compare_digest(expected, csrf)):
        request.state.refusal = "sign-out without the csrf token"
        return refusal_page(request, 403, "sign-out needs the page's csrf token")
    response = RedirectResponse("/sign-in", status_code=303)
    for name in (KEY_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, samesite="strict", secure=request.url.scheme == "https")
    return response
