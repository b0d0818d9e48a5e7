"""Rendering a page: one Jinja2 environment (autoescaped, the i18n extension), and per request
the language's gettext, Babel formats, the viewer and the csrf token in the context."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.security.auth import CSRF_COOKIE, Viewer
from api.security.roles import ROUTE_ROLES, Role
from api.web.i18n import LANG_COOKIE, LANGUAGES, Language, chosen_language, text_direction

TEMPLATES = Path(__file__).parent / "templates"
YEAR = 365 * 24 * 3600
HOMES = ("/queue", "/agents", "/scorecards")
"""The pages a viewer may land on, first choice first."""

environment = Environment(loader=FileSystemLoader(TEMPLATES),
                          autoescape=select_autoescape(["html"]),
                          extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)


def home_of(viewer: Viewer | None) -> str:
    """Where a viewer lands (after signing in without `next`, on the brand link): an agent on
    their own page, anyone else on the first of HOMES their role may see."""
    if viewer is None or viewer.role is None:
        return HOMES[0]
    if viewer.role is Role.AGENT and viewer.agent_id:
        return f"/agents/{quote(viewer.agent_id, safe='')}"
    for path in HOMES:
        admits = ROUTE_ROLES[("GET", path)]
        if isinstance(admits, frozenset) and viewer.role in admits:
            return path
    return "/sign-in"


def language_of(request: Request) -> Language:
    return Language(chosen_language(request)[0])


def language_url(request: Request, code: str) -> str:
    """This page in another language (its other query parameters kept)."""
    url = request.url.include_query_params(lang=code)
    return f"{url.path}?{url.query}"


def render(request: Request, template: str, context: dict[str, Any],
           status: int = 200) -> HTMLResponse:
    """The template rendered in the request's language; ?lang= is remembered in a cookie."""
    code, asked = chosen_language(request)
    language = Language(code)
    viewer = getattr(request.state, "viewer", None)
    html = environment.get_template(template).render(
        request=request, language=language, languages=LANGUAGES, viewer=viewer,
        home=home_of(viewer),
        ui_dir=text_direction(code), text_direction=text_direction,
        csrf=request.cookies.get(CSRF_COOKIE, ""), lang_url=lambda other: language_url(
            request, other),
        _=language.gettext, gettext=language.gettext, ngettext=language.ngettext,
        **context)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if asked:
        response.set_cookie(LANG_COOKIE, code, max_age=YEAR, samesite="strict",
                            secure=request.url.scheme == "https")
    return response
