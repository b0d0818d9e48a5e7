"""The agreement page: machine vs human for a period and scorecard version, the numbers of
GET /v1/agreement (the same function): overall, per criterion and per reviewer, each with n,
the share marked agree, accuracy, Cohen's kappa (or why it is undefined) and the confusion
matrix. Scoped as the API is: a supervisor sees the reviews of their teams' conversations.
Below, the latest calibration sessions the viewer may see (GET /v1/calibration-sessions's),
linking to their pages."""

from __future__ import annotations

from fastapi import Request, Response

from api.deps import SessionDep, VersionDep, ViewerDep
from api.routers.agreement import PeriodDep, get_agreement
from api.routers.calibration import list_sessions
from api.web.agents import period_query, scorecard_names
from api.web.calibration import reviewer_names
from api.web.kappa import kappa_notes
from api.web.pages import page_router
from api.web.render import language_of, render

router = page_router()
SESSIONS_SHOWN = 10


@router.get("/agreement")
def agreement_page(request: Request, session: SessionDep, viewer: ViewerDep,
                   version: VersionDep, selection: PeriodDep) -> Response:
    report = get_agreement(session, version, selection)
    return render(request, "agreement.html", {
        "sessions": list_sessions(session, viewer, state=None, limit=SESSIONS_SHOWN).sessions,
        "names": reviewer_names(session),
        "report": report, "version": version, "scorecards": scorecard_names(session),
        "query": period_query(request), "notes": kappa_notes(language_of(request))})
