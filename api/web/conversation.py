"""The conversation page: the transcript (right-to-left turns in their own direction), the
latest run's criteria with verdict, score, confidence and the formula or model behind each
(selecting one lights its evidence in the turns), the recording of a call (clicking a turn
seeks to it), the review form, and the reviews with their disputes. The data is what
GET /v1/conversations/{id} and GET /v1/conversations/{id}/reviews answer (the same
functions).

Opened from a calibration session (?calibration=SESSION) it shows the run under the session's
scorecard version, the form posts to the session's review route, and the reviews are the
session's that GET /v1/calibration-sessions/{id} lets the viewer see (blind while it is open);
the conversation's own reviews and effective score are left out, so nothing hints at another
person's verdict."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Query, Request, Response

from api.deps import MAX_ID, SessionDep, VersionDep, ViewerDep
from api.routers.calibration import get_session
from api.routers.conversations import ConversationId, InScope, get_conversation
from api.routers.reviews import list_reviews
from api.schemas.conversations import ConversationOut
from api.security.roles import Role
from api.store.queries.calibration import OPEN
from api.store.scorecards import find_version
from api.web.evidence import pieces, spans_by_turn
from api.web.i18n import text_direction
from api.web.pages import page_router
from api.web.render import render

router = page_router()


@router.get("/conversations/{conversation_id}", dependencies=[InScope])
def conversation_page(
    request: Request, session: SessionDep, viewer: ViewerDep, version: VersionDep,
    conversation_id: ConversationId,
    calibration: Annotated[int | None, Query(ge=1, le=MAX_ID,
                                             description="calibration session id")] = None,
) -> Response:
    if calibration is not None:
        return calibration_view(request, session, viewer, conversation_id, calibration)
    shown = get_conversation(session, version, conversation_id, None)
    reviews = list_reviews(session, viewer, conversation_id).reviews
    return render(request, "conversation.html", {
        "c": shown, "turns": transcript(shown), "reviews": reviews,
        "models": criterion_models(shown), "calibration": None,
        "review_api": f"/v1/conversations/{conversation_id}/reviews",
        "may_review": viewer.role in (Role.ADMIN, Role.QA, Role.SUPERVISOR),
        "may_dispute": viewer.role is Role.AGENT,
        "may_resolve": viewer.role in (Role.ADMIN, Role.QA)})


def calibration_view(request: Request, session: SessionDep, viewer: ViewerDep,
                     conversation_id: int, session_id: int) -> Response:
    """The page inside a calibration session: its version's run, its review route, its
    reviews as the API shows them to the viewer."""
    detail = get_session(session, viewer, session_id)
    if conversation_id not in detail.conversations:
        raise HTTPException(404, f"conversation {conversation_id} is not in calibration "
                                 f"session {session_id}")
    shown = get_conversation(session, find_version(session, detail.scorecard, detail.version),
                             conversation_id, None)
    reviews = [r for r in detail.reviews if r.conversation_id == conversation_id]
    reviewer = viewer.key_id in {r.key_id for r in detail.reviewers}
    reviewed = any(r.reviewer_key_id == viewer.key_id for r in reviews)
    return render(request, "conversation.html", {
        "c": shown, "turns": transcript(shown), "reviews": reviews,
        "models": criterion_models(shown), "calibration": detail, "reviewed": reviewed,
        "review_api": f"/v1/calibration-sessions/{session_id}/reviews/{conversation_id}",
        "may_review": reviewer and detail.state == OPEN and not reviewed,
        "may_dispute": False, "may_resolve": False})


def transcript(shown: ConversationOut) -> list[dict[str, Any]]:
    """Each turn with its direction, language and text in evidence pieces."""
    spans = spans_by_turn(shown.run, [len(t.text) for t in shown.turns])
    turns = []
    for index, turn in enumerate(shown.turns):
        language = turn.language or shown.language
        turns.append({"index": index, "role": turn.role, "start": turn.start,
                      "end": turn.end, "language": language,
                      "dir": text_direction(language),
                      "pieces": pieces(turn.text, spans.get(index, []))})
    return turns


def criterion_models(shown: ConversationOut) -> dict[str, str]:
    """The learned model behind each criterion, as the run recorded it (models.criteria)."""
    if shown.run is None:
        return {}
    recorded = shown.run.models.get("criteria") or {}
    return {name: model if isinstance(model, str) else
            str(model.get("name") or model.get("model") or model)
            for name, model in recorded.items() if model}
