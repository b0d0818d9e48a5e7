"""Blind calibration sessions: admin or qa names the reviewers and the conversations; each
reviewer reviews every conversation once, blind to the others while the session is open; the
report (Fleiss' kappa per criterion, each reviewer against the majority) is the agreement
between them (api/store/queries/calibration.py has the rules). Every change is audited."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import MAX_ID, RuntimeDep, SessionDep, VersionDep, ViewerDep
from api.errors import ERRORS
from api.routers.reviews import CONFLICTS, audit_change, conflict, is_manager
from api.schemas.agreement import CalibrationOut
from api.schemas.calibration import SessionDetailOut, SessionIn, SessionOut, SessionsOut
from api.schemas.reviews import ReviewIn, ReviewOut
from api.security.auth import AuthorizedRoute, Viewer
from api.store import queries, tables
from api.store.db import transaction
from api.store.queries import calibration as q
from api.store.queries.agreement import session_calibration
from api.store.queries.reviews import Conflict

router = APIRouter(tags=["reviews"], route_class=AuthorizedRoute)

SessionId = Annotated[int, Path(ge=1, le=MAX_ID, description="calibration session id")]
ConversationId = Annotated[int, Path(ge=1, le=MAX_ID, description="conversation id")]
_FORBIDDEN = {403: {"description": "not a reviewer of the session"}, **CONFLICTS}


def _session(session: Session, session_id: int, viewer: Viewer) -> tables.CalibrationSession:
    """The session, if the viewer may see it: admin and qa every one, a supervisor those they
    review in (404 otherwise, audited as refused)."""
    member = None if is_manager(viewer) else viewer.key_id or ""
    found = q.find_session(session, session_id, member)
    if found is None:
        raise HTTPException(404, f"calibration session {session_id} not found")
    return found


def _summary(session: Session, found: tables.CalibrationSession) -> SessionOut:
    version = session.get(tables.ScorecardVersion, found.scorecard_version_id)
    assert version is not None
    return SessionOut.of(found, version, q.progress(session, [found.id])[found.id])


@router.post("/v1/calibration-sessions", response_model=SessionOut, status_code=201,
             responses=ERRORS)
def create_session(runtime: RuntimeDep, viewer: ViewerDep, version: VersionDep,
                   body: SessionIn) -> SessionOut:
    """A blind calibration session under the scorecard version asked for: every reviewer
    (an active admin, qa or supervisor key; a supervisor must lead the team of every
    conversation) reviews every conversation (each needs a run under the version)."""
    with transaction(runtime.sessions) as session:
        found = q.create_session(session, body.name, version, body.conversation_ids,
                                 body.reviewer_key_ids, viewer.key_id)
        audit_change(session, viewer, "calibration_session.create", "calibration_session",
                     found.id, {"name": body.name, "scorecard_version_id": version.id,
                                "conversation_ids": body.conversation_ids,
                                "reviewer_key_ids": body.reviewer_key_ids})
        return _summary(session, found)


@router.get("/v1/calibration-sessions", response_model=SessionsOut, responses=ERRORS)
def list_sessions(
    session: SessionDep, viewer: ViewerDep,
    state: Annotated[Literal["open", "closed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 50,
) -> SessionsOut:
    """Calibration sessions, newest first, with each reviewer's progress: admin and qa see
    every one, a supervisor those they review in."""
    member = None if is_manager(viewer) else viewer.key_id or ""
    found = q.list_sessions(session, member, state, limit)
    done = q.progress(session, [s.id for s in found])
    versions = {v.id: v for v in session.scalars(select(tables.ScorecardVersion).where(
        tables.ScorecardVersion.id.in_({s.scorecard_version_id for s in found})))}
    return SessionsOut(sessions=[SessionOut.of(s, versions[s.scorecard_version_id], done[s.id])
                                 for s in found])


@router.get("/v1/calibration-sessions/{session_id}", response_model=SessionDetailOut,
            responses=ERRORS)
def get_session(session: SessionDep, viewer: ViewerDep,
                session_id: SessionId) -> SessionDetailOut:
    """The session, each reviewer's progress, the reviews the viewer may see (while it is
    open a reviewer sees their own only) and, once it is closed (admin and qa that are not
    its reviewers: at any time), the report: per criterion Fleiss' kappa between the
    reviewers over the conversations every one of them rated, and each reviewer against the
    majority (accuracy, Cohen's kappa), as GET /v1/agreement/calibration gives them."""
    found = _session(session, session_id, viewer)
    summary = _summary(session, found)
    manager = is_manager(viewer)
    reviews = q.session_reviews(session, found, q.visible_reviews(viewer.key_id, manager))
    report = None
    if q.report_visible(found, viewer.key_id, manager):
        version = session.get(tables.ScorecardVersion, found.scorecard_version_id)
        assert version is not None
        report = CalibrationOut.of(version.scorecard_name, version.version,
                                   session_calibration(session, found, version))
    return SessionDetailOut(**summary.model_dump(), reviews=[ReviewOut.of(r) for r in reviews],
                            report=report)


@router.post("/v1/calibration-sessions/{session_id}/reviews/{conversation_id}",
             response_model=ReviewOut, status_code=201, responses=_FORBIDDEN)
def add_session_review(runtime: RuntimeDep, viewer: ViewerDep, session_id: SessionId,
                       conversation_id: ConversationId, body: ReviewIn) -> ReviewOut:
    """A reviewer of the session reviews one of its conversations, once (409 the second
    time, and once the session is closed), in the body of POST
    /v1/conversations/{id}/reviews; the run is the latest under the session's scorecard
    version, or `run_id` (one under it). The review is calibration: it neither closes the
    conversation's review-queue item nor changes its effective score."""
    with transaction(runtime.sessions) as session:
        found = _session(session, session_id, viewer)
        if viewer.key_id not in q.reviewer_ids(found):
            raise HTTPException(403, f"key {viewer.key_id} is not a reviewer of calibration "
                                     f"session {session_id}")
        if conversation_id not in q.conversation_ids(found):
            raise HTTPException(404, f"conversation {conversation_id} is not in calibration "
                                     f"session {session_id}")
        assert viewer.key_id is not None and viewer.role is not None
        try:
            review = q.add_session_review(
                session, found, conversation_id, body.run_id,
                {n: c.verdict() for n, c in body.criteria.items()}, body.note, viewer.key_id,
                viewer.role.value)
        except Conflict as exc:
            raise conflict(exc) from None
        audit_change(session, viewer, "calibration_review.create", "review", review.id,
                     {"calibration_session_id": session_id, "conversation_id": conversation_id,
                      "run_id": review.run_id, "score": review.score})
        return ReviewOut.of(review)


@router.post("/v1/calibration-sessions/{session_id}/close", response_model=SessionOut,
             responses=CONFLICTS)
def close_session(runtime: RuntimeDep, viewer: ViewerDep, session_id: SessionId) -> SessionOut:
    """Close the session (409 when closed already): no more reviews, and its reviews and
    report are seen by everyone who may see the session."""
    with transaction(runtime.sessions) as session:
        found = _session(session, session_id, viewer)
        try:
            q.close_session(session, found, viewer.key_id)
        except Conflict as exc:
            raise conflict(exc) from None
        summary = _summary(session, found)
        audit_change(session, viewer, "calibration_session.close", "calibration_session",
                     session_id, {"reviewed": {r.key_id: len(r.reviewed)
                                               for r in summary.reviewers}})
        return summary
