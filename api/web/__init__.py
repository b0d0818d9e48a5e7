"""The web pages, served by the API app (`install(app)` from create_app): HTML rendered on the
server with Jinja2, our own CSS and script under static/ (no CDN: IQS runs offline), text in
English and Russian through gettext catalogs.

Pages read through the API's own query functions and schemas (api/store/queries, api/schemas),
never raw SQL, so a page never shows a number the API would not give; they change things by
calling the API from static/iqs.js (fetch with the X-CSRF-Token header).

How to add a page:
1. A router module here (`router = page_router()` from api.web.pages), its handlers taking
   `ViewerDep`/`SessionDep` from api.deps as API routes do and returning
   `render(request, "name.html", {...})` (api.web.render). Add the module to ROUTERS below.
2. A row per route in api/security/roles.py ROUTE_ROLES with the roles of its API
   counterpart, and its expectation in tests/api/test_security_walk.py (PAGES there).
   Refusals become pages by themselves (PageRoute): 303 to /sign-in, a 403 or a 404 page.
3. A template under templates/ extending "base.html" ({% block title %}, {% block main %});
   every visible text in `{% trans %}...{% endtrans %}` or `{{ _("...") }}` (in Python,
   `language_of(request).gettext("...")`).
4. The messages: `pybabel extract -F api/web/babel.cfg -o /tmp/messages.pot .` then
   `pybabel update -i /tmp/messages.pot -d api/web/locale` and translate every new msgid in
   BOTH locale/en and locale/ru messages.po (tests/api/web/test_catalogs.py fails on a missing
   or empty one). The .po files are read at start: nothing to compile.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import agents, agreement, calibration, conversation, queue, scorecards, sign_in

ROUTERS = (sign_in, queue, conversation, agents, agreement, calibration, scorecards)
STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount the static files and include every page router."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in ROUTERS:
        app.include_router(module.router)
