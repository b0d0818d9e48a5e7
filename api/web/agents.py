"""The agents' pages: the agents in the viewer's scope (GET /v1/agents's numbers), and one
agent's page (GET /v1/agents/{id}'s numbers: the weekly trend drawn with its 95% band, the
pass rate of each criterion with its n, the worst conversations) with the reviews of their
conversations and the disputes of those reviews. For a period and scorecard version, scoped
as the API is: an agent sees their own page only."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, Response

from api.deps import SessionDep, VersionDep, ViewerDep
from api.routers.agents import AgentId, PeriodDep, get_agent, list_agents
from api.routers.scorecards import list_scorecards
from api.schemas.reviews import ReviewOut
from api.store.queries import reviews as q
from api.web.pages import page_router
from api.web.plots import trend_svg
from api.web.render import language_of, render

router = page_router()


def scorecard_names(session: SessionDep) -> list[str]:
    """The scorecards the period form offers."""
    return [card.name for card in list_scorecards(session)]


def period_query(request: Request) -> str:
    """The page's query without ?lang=, for links that keep the period and version."""
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])


@router.get("/agents")
def agents_page(request: Request, session: SessionDep, version: VersionDep,
                selection: PeriodDep) -> Response:
    listed = list_agents(session, version, selection, trend=False)
    return render(request, "agents.html", {
        "listed": listed, "version": version, "scorecards": scorecard_names(session),
        "query": period_query(request)})


@router.get("/agents/{agent_id}")
def agent_page(request: Request, session: SessionDep, version: VersionDep,
               selection: PeriodDep, viewer: ViewerDep, agent_id: AgentId) -> Response:
    detail = get_agent(session, version, selection, agent_id, viewer)
    language = language_of(request)
    plot = trend_svg(detail.agent.trend or [], language.gettext("Weekly mean score"),
                     language.day)
    reviews = q.reviews_of_agent(session, agent_id)
    disputes = q.disputes_of(session, [r.id for r, _ in reviews])
    return render(request, "agent.html", {
        "detail": detail, "a": detail.agent, "plot": plot, "version": version,
        "scorecards": scorecard_names(session), "query": period_query(request),
        "reviews": [(ReviewOut.of(r, disputes[r.id]), external_id)
                    for r, external_id in reviews]})
