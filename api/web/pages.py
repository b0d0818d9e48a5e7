"""What every page route shares: `PageRoute` answers refusals as pages (not signed in: 303 to
/sign-in?next=<path>; wrong role: a 403 page; out of scope or missing: a 404 page; over the
rate limit: a 429 page) instead of the API's JSON bodies, and `page_router()` makes a router
of them."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse

from api.errors import error_label, error_response
from api.security.auth import AuthorizedRoute
from api.store.queries import OutOfScope
from api.store.scorecards import UnknownScorecard
from api.web.render import language_of, render
from scorer.errors import IQSError


def local_path(target: str | None, default: str = "/queue") -> str:
    """`target` when it is a path of this site ("/queue?x=1"), else `default` (no open
    redirect to another site: "//evil", "https://..." and "/\\evil" are refused)."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(ch) < 32 for ch in target)):
        return default
    return target


def sign_in_redirect(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(here, safe='')}", status_code=303)


def refusal_page(request: Request, status: int, message: str) -> Response:
    if status == 401:
        return sign_in_redirect(request)
    if "application/json" in request.headers.get("accept", ""):  # the pages' script asks
        return error_response(status, error_label(status), message)
    _ = language_of(request).gettext
    titles = {403: _("Not allowed"), 404: _("Not found"), 409: _("Conflict"),
              422: _("Invalid request"), 429: _("Too many requests")}
    return render(request, "error.html", {"status": status, "message": message,
                                          "title": titles.get(status, _("Request failed"))},
                  status=status)


class PageRoute(AuthorizedRoute):
    """A page: authorised as an API route (the same table row, key and scope), refused as a
    page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as exc:
                if exc.status_code in (401, 403, 429):
                    request.state.refusal = str(exc.detail)  # for the audit log
                response = refusal_page(request, exc.status_code, str(exc.detail))
                if exc.status_code == 429 and exc.headers:
                    response.headers["Retry-After"] = exc.headers.get("Retry-After", "1")
                return response
            except RequestValidationError as exc:
                return refusal_page(request, 422, "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()))
            except IQSError as exc:
                if isinstance(exc, OutOfScope):  # answered as missing, audited as refused
                    request.state.out_of_scope = True
                    return refusal_page(request, 404, exc.message)
                if isinstance(exc, UnknownScorecard):  # a 404 in the API too
                    return refusal_page(request, 404, str(exc))
                return refusal_page(request, 422, str(exc))

        return page


def page_router() -> APIRouter:
    """A router of pages (HTML, left out of the OpenAPI description)."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)
