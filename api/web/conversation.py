"""The conversation page: the transcript (right-to-left turns in their own direction), the
latest run's criteria with verdict, score, confidence and the formula or model behind each
(selecting one lights its evidence in the turns), the recording of a call (clicking a turn
seeks to it), the review form, and the reviews with their disputes. The data is what
GET /v1/conversations/{id} and GET /v1/conversations/{id}/reviews answer (the same
functions)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from api.deps import SessionDep, VersionDep, ViewerDep
from api.routers.conversations import ConversationId, InScope, get_conversation
from api.routers.reviews import list_reviews
from api.schemas.conversations import ConversationOut
from api.security.roles import Role
from api.web.evidence import pieces, spans_by_turn
from api.web.i18n import text_direction
from api.web.pages import page_router
from api.web.render import render

router = page_router()


@router.get("/conversations/{conversation_id}", dependencies=[InScope])
def conversation_page(request: Request, session: SessionDep, viewer: ViewerDep,
                      version: VersionDep, conversation_id: ConversationId) -> Response:
    shown = get_conversation(session, version, conversation_id, None)
    reviews = list_reviews(session, viewer, conversation_id).reviews
    return render(request, "conversation.html", {
        "c": shown, "turns": transcript(shown), "reviews": reviews,
        "models": criterion_models(shown),
        "may_review": viewer.role in (Role.ADMIN, Role.QA, Role.SUPERVISOR),
        "may_dispute": viewer.role is Role.AGENT,
        "may_resolve": viewer.role in (Role.ADMIN, Role.QA)})


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
