"""People's reviews: the queue of conversations the scorecard's flag rules raised (claim one,
release it), reviews of a conversation's run (agree, or a corrected verdict and score per
criterion; the run itself is never changed), agents' disputes and QA's resolutions. Every
change is written to the audit log with what changed."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query

from api.deps import MAX_ID, TEXT, RuntimeDep, SessionDep, VersionDep, ViewerDep
from api.errors import ERRORS
from api.routers.conversations import ConversationId, InScope
from api.schemas.reviews import (
    ClaimOut,
    DisputeIn,
    DisputeOut,
    QueueItemOut,
    QueueOut,
    ResolveIn,
    ReviewIn,
    ReviewOut,
    ReviewsOut,
)
from api.security import audit
from api.security.auth import AuthorizedRoute, Viewer
from api.security.roles import Role
from api.store import queries, tables
from api.store.db import transaction
from api.store.queries import reviews as q
from api.store.queries.calibration import visible_reviews

router = APIRouter(tags=["reviews"], route_class=AuthorizedRoute)

ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="review queue item id")]
ReviewId = Annotated[int, Path(ge=1, le=MAX_ID, description="review id")]
DisputeId = Annotated[int, Path(ge=1, le=MAX_ID, description="dispute id")]
CONFLICTS: dict[int | str, dict[str, Any]] = {
    409: {"description": "claimed by another reviewer, reviewed or resolved already"},
    **ERRORS}


def audit_change(session: Any, viewer: Viewer, action: str, object_type: str,
                 object_id: int, detail: dict[str, Any]) -> None:
    """Audit a change in the request's transaction, with what changed."""
    audit.record(session, action=action, outcome=audit.ALLOWED, key_id=viewer.key_id,
                 role=viewer.role.value if viewer.role else None, object_type=object_type,
                 object_id=str(object_id), detail=detail)


def is_manager(viewer: Viewer) -> bool:
    """Admin and qa: they release anyone's claim, and create, close and see every calibration
    session."""
    return viewer.role in (Role.ADMIN, Role.QA)


def conflict(exc: q.Conflict) -> HTTPException:
    return HTTPException(409, exc.message)


@router.get("/v1/review-queue", response_model=QueueOut, responses=ERRORS)
def review_queue(
    session: SessionDep, viewer: ViewerDep,
    team: Annotated[str | None, Query(pattern=TEXT, description='team id; "(none)": agents '
                                                                 'in no team')] = None,
    agent_id: Annotated[str | None, Query(pattern=TEXT)] = None,
    reason: Annotated[str | None, Query(
        pattern=r"^[a-z_]{1,50}(:[A-Za-z0-9_.-]{1,100})?$",
        description="critical_failure, score_below, low_confidence, criterion_failed "
                    "(or criterion_failed:NAME), calibration_sample")] = None,
    state: Annotated[Literal["open", "claimed", "reviewed"] | None, Query()] = None,
    mine: Annotated[bool, Query(description="only the items this key has claimed")] = False,
    sort: Annotated[Literal["age", "score"], Query(
        description="age: oldest first; score: lowest machine score first")] = "age",
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 50,
) -> QueueOut:
    """Conversations the flag rules sent for review, within the viewer's scope (a supervisor:
    the teams they lead); `mine`: the reviewer's own claimed items."""
    if mine and viewer.key_id is None:
        raise HTTPException(422, "mine: needs an API key (open mode has none)")
    entries = q.list_queue(session, viewer.scope, team=team, agent_id=agent_id, reason=reason,
                           state=state, claimed_by=viewer.key_id if mine else None, sort=sort,
                           limit=limit)
    return QueueOut(items=[QueueItemOut.of(e) for e in entries])


@router.post("/v1/review-queue/{item_id}/claim", response_model=ClaimOut,
             responses=CONFLICTS)
def claim(runtime: RuntimeDep, viewer: ViewerDep, item_id: ItemId) -> ClaimOut:
    """Hold the item for review: one reviewer at a time (409 while another key holds it)."""
    with transaction(runtime.sessions) as session:
        item = q.queue_item(session, item_id, viewer.scope)
        if item is None:
            raise HTTPException(404, f"review item {item_id} not found")
        try:
            q.claim(session, item, viewer.key_id)
        except q.Conflict as exc:
            raise conflict(exc) from None
        audit_change(session, viewer, "review_item.claim", "review_item", item_id,
                     {"conversation_id": item.conversation_id})
        return ClaimOut.of(item)


@router.post("/v1/review-queue/{item_id}/release", response_model=ClaimOut,
             responses=CONFLICTS)
def release(runtime: RuntimeDep, viewer: ViewerDep, item_id: ItemId) -> ClaimOut:
    """Open the item again: its claimant may, and admin or qa may release anyone's."""
    with transaction(runtime.sessions) as session:
        item = q.queue_item(session, item_id, viewer.scope)
        if item is None:
            raise HTTPException(404, f"review item {item_id} not found")
        held_by = item.claimed_by
        try:
            q.release(session, item, viewer.key_id, is_manager(viewer))
        except q.Conflict as exc:
            raise conflict(exc) from None
        audit_change(session, viewer, "review_item.release", "review_item", item_id,
                     {"conversation_id": item.conversation_id, "held_by": held_by})
        return ClaimOut.of(item)


@router.post("/v1/conversations/{conversation_id}/reviews", response_model=ReviewOut,
             status_code=201, responses=ERRORS, dependencies=[InScope])
def add_review(runtime: RuntimeDep, viewer: ViewerDep, version: VersionDep,
               conversation_id: ConversationId, body: ReviewIn) -> ReviewOut:
    """Review the conversation's run (the latest under the scorecard version asked for, or
    `run_id`): per criterion agree, or a corrected verdict and score, with a comment. The run
    is kept as the machine scored it; the review's score is the effective one."""
    with transaction(runtime.sessions) as session:
        if session.get(tables.Conversation, conversation_id) is None:
            raise HTTPException(404, f"conversation {conversation_id} not found")
        run = q.review_run(session, conversation_id, version.id, body.run_id)
        review = q.add_review(session, conversation_id, run,
                              {n: c.verdict() for n, c in body.criteria.items()}, body.note,
                              viewer.key_id, viewer.role.value if viewer.role else "")
        audit_change(session, viewer, "review.create", "review", review.id,
                     {"conversation_id": conversation_id, "run_id": run.id,
                "machine_score": run.score, "score": review.score,
                "corrected": sorted(n for n, c in body.criteria.items() if not c.agree)})
        return ReviewOut.of(review)


@router.get("/v1/conversations/{conversation_id}/reviews", response_model=ReviewsOut,
            responses=ERRORS, dependencies=[InScope])
def list_reviews(session: SessionDep, viewer: ViewerDep,
                 conversation_id: ConversationId) -> ReviewsOut:
    """Every review of the conversation with its disputes, oldest first. Reviews given in a
    calibration session that is still open are blind: their author sees them, and admin or qa
    keys that are not reviewers of the session; nobody else until it is closed."""
    if session.get(tables.Conversation, conversation_id) is None:
        raise HTTPException(404, f"conversation {conversation_id} not found")
    reviews = q.reviews_of(session, conversation_id,
                           visible_reviews(viewer.key_id, is_manager(viewer)))
    disputes = q.disputes_of(session, [r.id for r in reviews])
    return ReviewsOut(reviews=[ReviewOut.of(r, disputes[r.id]) for r in reviews])


@router.post("/v1/reviews/{review_id}/disputes", response_model=DisputeOut, status_code=201,
             responses=ERRORS)
def dispute(runtime: RuntimeDep, viewer: ViewerDep, review_id: ReviewId,
            body: DisputeIn) -> DisputeOut:
    """The agent disputes a review of their own conversation, with a comment."""
    with transaction(runtime.sessions) as session:
        found = q.open_dispute(session, review_id, viewer.scope, viewer.key_id, body.comment)
        if found is None:
            raise HTTPException(404, f"review {review_id} not found")
        audit_change(session, viewer, "dispute.open", "dispute", found.id, {"review_id": review_id})
        return DisputeOut.of(found)


@router.post("/v1/disputes/{dispute_id}/resolve", response_model=DisputeOut,
             responses=CONFLICTS)
def resolve(runtime: RuntimeDep, viewer: ViewerDep, dispute_id: DisputeId,
            body: ResolveIn) -> DisputeOut:
    """QA resolves a dispute with its resolution (409 when resolved already); the review and
    the dispute are kept."""
    with transaction(runtime.sessions) as session:
        try:
            found = q.resolve_dispute(session, dispute_id, viewer.key_id, body.resolution)
        except q.Conflict as exc:
            raise conflict(exc) from None
        if found is None:
            raise HTTPException(404, f"dispute {dispute_id} not found")
        audit_change(session, viewer, "dispute.resolve", "dispute", dispute_id,
                     {"review_id": found.review_id})
        return DisputeOut.of(found)
