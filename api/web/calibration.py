"""The calibration pages: the sessions the viewer may see with their state and each reviewer's
progress (GET /v1/calibration-sessions's), a form for admin and qa that creates one (POST
/v1/calibration-sessions's function, conversations named by id or external id, reviewers
picked from the active keys of reviewing roles), and one session (GET
/v1/calibration-sessions/{id}'s: its conversations with this reviewer's progress, the reviews
the blindness rule lets the viewer see, the report when the API gives it, and Close for admin
and qa). A conversation is reviewed on its page opened from the session
(/conversations/{id}?calibration=SESSION, api/web/conversation.py)."""

from __future__ import annotations

import re

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.deps import TEXT, RuntimeDep, SessionDep, VersionDep, ViewerDep
from api.routers.calibration import SessionId, create_session, get_session, list_sessions
from api.routers.reviews import is_manager
from api.schemas.calibration import KeyId, SessionIn, SessionOut
from api.store.queries import calibration as q
from api.web.agents import scorecard_names
from api.web.kappa import kappa_notes
from api.web.pages import page_router
from api.web.render import language_of, render

router = page_router()

REF_SEPARATORS = re.compile(r"[\s,;]+")


class SessionFormIn(BaseModel):
    """The page's form: conversations as typed (ids or external ids, separated by spaces,
    commas or new lines)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=TEXT)
    conversations: str = Field(min_length=1, max_length=20_000)
    reviewer_key_ids: list[KeyId] = Field(max_length=50)


@router.get("/calibration")
def calibration_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    listed = list_sessions(session, viewer, state=None, limit=100).sessions
    manager = is_manager(viewer)
    return render(request, "calibration.html", {
        "sessions": listed, "may_create": manager, "names": reviewer_names(session),
        "keys": q.reviewer_keys(session) if manager else [],
        "scorecards": scorecard_names(session) if manager else []})


@router.post("/calibration", response_model=SessionOut, status_code=201)
def create_from_form(runtime: RuntimeDep, session: SessionDep, viewer: ViewerDep,
                     version: VersionDep, form: SessionFormIn) -> SessionOut:
    """The form's session, made by the API's own function (its checks, its audit event)."""
    refs = [ref for ref in REF_SEPARATORS.split(form.conversations) if ref]
    try:
        body = SessionIn(name=form.name, conversation_ids=q.conversation_refs(session, refs),
                         reviewer_key_ids=form.reviewer_key_ids)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    session.close()  # the API function writes in its own transaction
    return create_session(runtime, viewer, version, body)


def reviewer_names(session: SessionDep) -> dict[str, str]:
    """Key id -> name of the keys that may review (a reviewer's key revoked since: its id)."""
    return {k.id: k.name for k in q.reviewer_keys(session)}


@router.get("/calibration/{session_id}")
def session_page(request: Request, session: SessionDep, viewer: ViewerDep,
                 session_id: SessionId) -> Response:
    detail = get_session(session, viewer, session_id)
    me = viewer.key_id or ""
    mine = {r.conversation_id: r for r in detail.reviews if r.reviewer_key_id == me}
    return render(request, "calibration_session.html", {
        "s": detail, "mine": mine, "names": reviewer_names(session),
        "notes": kappa_notes(language_of(request)),
        "external": q.external_ids(session, detail.conversations),
        "reviewer": me in {r.key_id for r in detail.reviewers},
        "done_by": {c: sum(c in r.reviewed for r in detail.reviewers)
                    for c in detail.conversations},
        "may_close": is_manager(viewer) and detail.state == q.OPEN})

