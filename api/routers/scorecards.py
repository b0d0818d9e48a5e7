"""Scorecards: list, get with versions, add a version (validated; old versions are kept)."""

from __future__ import annotations

from fastapi import APIRouter, Path
from sqlalchemy import select

from api.deps import RuntimeDep, SessionDep
from api.errors import ERRORS
from api.schemas import ScorecardCriterion
from api.schemas.scorecards import ScorecardIn, ScorecardOut, ScorecardVersionOut
from api.security.auth import AuthorizedRoute
from api.store import tables
from api.store.db import transaction
from api.store.scorecards import add_version, find_version, parse_content

router = APIRouter(prefix="/v1/scorecards", tags=["scorecards"], route_class=AuthorizedRoute)
Name = Path(pattern=r"^[A-Za-z0-9_.-]{1,100}$", description="scorecard name")


def describe(session: SessionDep, name: str) -> ScorecardOut:
    latest = find_version(session, name)
    card = parse_content(latest.content, f"{name} v{latest.version}")
    versions = session.scalars(select(tables.ScorecardVersion).where(
        tables.ScorecardVersion.scorecard_name == name)
        .order_by(tables.ScorecardVersion.version))
    return ScorecardOut(
        name=card.name, description=card.description, pass_score=card.pass_score,
        criteria={k: ScorecardCriterion(type=s.type or k, weight=s.weight,
                                        pass_threshold=s.pass_threshold, critical=s.critical)
                  for k, s in card.criteria.items()},
        version=latest.version, content=latest.content,
        versions=[ScorecardVersionOut(version=v.version, sha256=v.sha256,
                                      created_at=v.created_at) for v in versions])


@router.get("", response_model=list[ScorecardOut])
def list_scorecards(session: SessionDep) -> list[ScorecardOut]:
    names = session.scalars(select(tables.Scorecard.name).order_by(tables.Scorecard.name))
    return [describe(session, name) for name in names]


@router.get("/{name}", response_model=ScorecardOut, responses=ERRORS)
def get_scorecard(session: SessionDep, name: str = Name) -> ScorecardOut:
    return describe(session, name)


@router.post("/{name}/versions", response_model=ScorecardOut, status_code=201,
             responses=ERRORS)
def add_scorecard_version(body: ScorecardIn, runtime: RuntimeDep,
                          name: str = Name) -> ScorecardOut:
    """Validate the YAML and keep it as the next version (the same text: the same version).
    The scorecard's `name` in the YAML must be the one in the path."""
    with transaction(runtime.sessions) as session:
        add_version(session, body.content, name)
    with runtime.sessions() as session:
        return describe(session, name)
