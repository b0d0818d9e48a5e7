"""The scorecards' pages: the list (GET /v1/scorecards's), and one scorecard (GET
/v1/scorecards/{name}'s: its criteria, versions and the latest version's YAML in an editor).
"Validate" checks the edited YAML as a new version would be checked (the same function,
api/store/scorecards.py check_version) without keeping anything, answering each problem with
its key's path and line; "Save" posts it to POST /v1/scorecards/{name}/versions (qa, admin)."""

from __future__ import annotations

from fastapi import Request, Response
from pydantic import BaseModel, Field

from api.deps import SessionDep, ViewerDep
from api.routers.scorecards import Name, get_scorecard, list_scorecards
from api.schemas.scorecards import ScorecardIn
from api.security.roles import ROUTE_ROLES
from api.store.scorecards import check_version
from api.web.pages import page_router
from api.web.render import render
from api.web.yaml_lines import line_of
from scorer.errors import ConfigError

router = page_router()
SAVE = ("POST", "/v1/scorecards/{name}/versions")


class ProblemOut(BaseModel):
    field: str = Field(description='dotted path of the bad key ("": the whole text)')
    problem: str
    line: int | None = Field(description="the key's line in the YAML (1-based), if found")


class ValidationOut(BaseModel):
    valid: bool
    problems: list[ProblemOut]


@router.get("/scorecards")
def scorecards_page(request: Request, session: SessionDep) -> Response:
    return render(request, "scorecards.html", {"cards": list_scorecards(session)})


@router.get("/scorecards/{name}")
def scorecard_page(request: Request, session: SessionDep, viewer: ViewerDep,
                   name: str = Name) -> Response:
    admitted = ROUTE_ROLES[SAVE]
    may_save = isinstance(admitted, frozenset) and viewer.role in admitted
    return render(request, "scorecard.html", {"card": get_scorecard(session, name),
                                              "may_save": may_save})


@router.post("/scorecards/{name}/validate", response_model=ValidationOut)
def validate_scorecard(body: ScorecardIn, name: str = Name) -> ValidationOut:
    """The problems POST /v1/scorecards/{name}/versions would refuse the text for; nothing
    is stored."""
    try:
        check_version(body.content, name)
    except ConfigError as exc:
        return ValidationOut(valid=False, problems=[
            ProblemOut(field=path, problem=problem, line=line_of(body.content, path))
            for path, problem in exc.problems])
    return ValidationOut(valid=True, problems=[])
