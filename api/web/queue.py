"""The review queue page: GET /v1/review-queue's items with its filters (team, agent, reason,
state, mine, sort), within the viewer's scope, with claim and release buttons."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request, Response

from api.deps import TEXT, SessionDep, ViewerDep
from api.routers.reviews import review_queue
from api.store import queries
from api.web.i18n import Language
from api.web.pages import page_router
from api.web.render import language_of, render
from scorer.flags import CALIBRATION, CRITERION_FAILED, CRITICAL, LOW_CONFIDENCE, LOW_SCORE

router = page_router()


@router.get("/queue")
def queue_page(
    request: Request, session: SessionDep, viewer: ViewerDep,
    team: Annotated[str | None, Query(pattern=TEXT)] = None,
    agent_id: Annotated[str | None, Query(pattern=TEXT)] = None,
    reason: Annotated[str | None, Query(pattern=r"^[a-z_]{0,50}(:[A-Za-z0-9_.-]{1,100})?$")
                      ] = None,
    state: Annotated[Literal["open", "claimed", "reviewed", ""] | None, Query()] = None,
    mine: Annotated[bool, Query()] = False,
    sort: Annotated[Literal["age", "score"], Query()] = "age",
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 50,
) -> Response:
    """The queue as GET /v1/review-queue answers it (the same function, the same filters)."""
    listed = review_queue(session, viewer, team=team or None, agent_id=agent_id or None,
                          reason=reason or None, state=state or None,
                          mine=mine and viewer.key_id is not None, sort=sort, limit=limit)
    filters = {"team": team or "", "agent_id": agent_id or "", "reason": reason or "",
               "state": state or "", "mine": mine, "sort": sort}
    return render(request, "queue.html", {"items": listed.items, "filters": filters,
                                          "reasons": reason_labels(language_of(request))})


def reason_labels(language: Language) -> dict[str, str]:
    """The flag rules' reason codes (scorer/flags.py) in the page's language."""
    _ = language.gettext
    return {CRITICAL: _("critical failure"), LOW_SCORE: _("score below the threshold"),
            LOW_CONFIDENCE: _("low confidence"), CRITERION_FAILED: _("criterion failed"),
            CALIBRATION: _("calibration sample")}
