"""The review queue (conversations the flag rules raised), people's reviews kept apart from the
machine's runs, and agents' disputes of reviews.

A review never changes a run: it holds, per criterion, agree or a corrected verdict and score,
and the score those corrections give under the run's scorecard version (the effective score).
Claims are compare-and-set updates, so two reviewers never hold one item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from api.store import tables
from api.store.queries.filters import (
    MAX_LIMIT,
    QueryError,
    Scope,
    _in_team,
    check_conversation_scope,
)
from api.store.scorecards import parse_content
from api.store.tables import utcnow
from scorer.aggregation import UNKNOWN_AGENT
from scorer.flags import REASONS, reason_code

STATES = ("open", "claimed", "reviewed")
OPEN, CLAIMED, REVIEWED = STATES
RESOLVED = "resolved"


class Conflict(QueryError):
    """The change clashes with the object's state (claimed by another reviewer, a dispute
    resolved already): answered 409."""


# --- the queue -------------------------------------------------------------------------------

@dataclass
class QueueEntry:
    item: tables.ReviewItem
    conversation: tables.Conversation
    run: tables.ScoreRun
    version: tables.ScorecardVersion
    team: str | None


def list_queue(session: Session, scope: Scope, *, team: str | None = None,
               agent_id: str | None = None, reason: str | None = None,
               state: str | None = None, claimed_by: str | None = None,
               sort: Literal["age", "score"] = "age", limit: int = 50) -> list[QueueEntry]:
    """Queued conversations within the scope: oldest first (`age`) or lowest machine score
    first (`score`, unscored last). `reason`: a reason code (scorer/flags.py REASONS) or a
    whole reason ("criterion_failed:empathy"); `claimed_by`: held by this key."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"must be between 1 and {MAX_LIMIT}", location="limit")
    if reason is not None and reason_code(reason) not in REASONS:
        raise QueryError(f"unknown reason; reasons: {', '.join(REASONS)}", location="reason")
    if state is not None and state not in STATES:
        raise QueryError(f"one of {', '.join(STATES)}", location="state")
    item, c, run = tables.ReviewItem, tables.Conversation, tables.ScoreRun
    query = (select(item, c, run, tables.ScorecardVersion, tables.Agent.team_id)
             .join(c, c.id == item.conversation_id)
             .join(run, run.id == item.run_id)
             .join(tables.ScorecardVersion,
                   tables.ScorecardVersion.id == item.scorecard_version_id)
             .outerjoin(tables.Agent, tables.Agent.id == c.agent_id)
             .where(*scope.conditions()))
    if team is not None:
        query = query.where(_in_team(team))
    if agent_id is not None:
        query = query.where(c.agent_id.is_(None) if agent_id == UNKNOWN_AGENT
                            else c.agent_id == agent_id)
    if state is not None:
        query = query.where(item.state == state)
    if claimed_by is not None:
        query = query.where(item.state == CLAIMED, item.claimed_by == claimed_by)
    if sort == "score":
        query = query.order_by(run.score.is_(None), run.score, item.created_at, item.id)
    else:
        query = query.order_by(item.created_at, item.id)
    if reason is None:
        # Without a reason filter the first `limit` rows are the answer: LIMIT in SQL, so a
        # full queue is not loaded (and its JSON decoded) to show one page of it.
        query = query.limit(limit)
    entries = []
    # Reasons are a JSON list: filtered here, the same way on SQLite and PostgreSQL.
    for row in session.execute(query):
        entry = QueueEntry(*row)
        if reason is not None and not any(
                r == reason or reason_code(r) == reason for r in entry.item.reasons):
            continue
        entries.append(entry)
        if len(entries) == limit:
            break
    return entries


def queue_item(session: Session, item_id: int, scope: Scope) -> tables.ReviewItem | None:
    """The item (None when there is none); OutOfScope when its conversation is not the
    viewer's to see."""
    item = session.get(tables.ReviewItem, item_id)
    if item is None:
        return None
    check_conversation_scope(session, item.conversation_id, scope,
                             f"review item {item_id} not found")
    return item


def claim(session: Session, item: tables.ReviewItem, key_id: str | None) -> tables.ReviewItem:
    """The item claimed by `key_id`; Conflict when another key holds it or it is reviewed."""
    t = tables.ReviewItem
    done = session.execute(
        update(t).where(t.id == item.id, or_(t.state == OPEN,
                                             (t.state == CLAIMED) & (t.claimed_by == key_id)))
        .values(state=CLAIMED, claimed_by=key_id, claimed_at=utcnow())
        .execution_options(synchronize_session=False))
    session.refresh(item)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        if item.state == REVIEWED:
            raise Conflict(f"review item {item.id} is reviewed already", location="item_id")
        raise Conflict(f"review item {item.id} is claimed by key {item.claimed_by} since "
                       f"{item.claimed_at}", location="item_id")
    return item


def release(session: Session, item: tables.ReviewItem, key_id: str | None,
            anyone: bool) -> tables.ReviewItem:
    """The item open again. Only its claimant may release it, unless `anyone` (admin, qa);
    releasing an open item changes nothing; Conflict otherwise."""
    if item.state == REVIEWED:
        raise Conflict(f"review item {item.id} is reviewed already", location="item_id")
    if item.state == CLAIMED and item.claimed_by != key_id and not anyone:
        raise Conflict(f"review item {item.id} is claimed by key {item.claimed_by}; only that "
                       f"key, qa or an admin may release it", location="item_id")
    item.state, item.claimed_by, item.claimed_at = OPEN, None, None
    session.flush()
    return item


# --- reviews ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CriterionVerdict:
    """A reviewer's word on one criterion: agree with the machine, or a corrected verdict."""

    agree: bool
    passed: bool | None = None
    score: float | None = None
    comment: str | None = None


def effective(run: tables.ScoreRun, version: tables.ScorecardVersion,
              verdicts: dict[str, CriterionVerdict]) -> tuple[float | None, bool]:
    """(score, passed) of the run with the reviewer's corrections, computed as the scorer
    combines criteria (weights, a failed critical criterion scores 0, the pass score)."""
    card = parse_content(version.content, f"scorecard {version.scorecard_name} "
                                          f"v{version.version}")
    weights, total, critical_failed = 0.0, 0.0, False
    for result in run.results:
        spec = card.criteria.get(result.name)
        if spec is None:
            continue
        verdict = verdicts.get(result.name)
        score, passed, applicable = result.score, result.passed, result.applicable
        if verdict is not None and not verdict.agree:
            passed = verdict.passed if verdict.passed is not None else (
                verdict.score is not None and verdict.score >= spec.pass_threshold)
            score = verdict.score if verdict.score is not None else (1.0 if passed else 0.0)
            applicable = True
        if not applicable or score is None:
            continue
        weights += spec.weight
        total += spec.weight * score
        critical_failed = critical_failed or (spec.critical and not passed)
    if not weights:
        return None, False
    value = 0.0 if critical_failed else round(100 * total / weights, 2)
    return value, value >= card.pass_score


def add_review(session: Session, conversation_id: int, run: tables.ScoreRun,
               verdicts: dict[str, CriterionVerdict], note: str | None,
               key_id: str | None, role: str,
               calibration_session_id: int | None = None) -> tables.Review:
    """Store a review of `run` (its conversation's queue items become reviewed, unless it is
    given in a calibration session). QueryError naming `criteria.NAME` for a criterion the
    run does not have."""
    names = [r.name for r in run.results]
    for name in verdicts:
        if name not in names:
            raise QueryError(f"not a criterion of run {run.id} ({', '.join(names)})",
                             location=f"criteria.{name}")
    version = session.get(tables.ScorecardVersion, run.scorecard_version_id)
    assert version is not None
    score, passed = effective(run, version, verdicts)
    review = tables.Review(
        conversation_id=conversation_id, run_id=run.id, reviewer_key_id=key_id,
        reviewer_role=role, note=note, score=score, passed=passed, created_at=utcnow(),
        criteria={name: {"agree": v.agree, "passed": v.passed, "score": v.score,
                         "comment": v.comment} for name, v in verdicts.items()},
        calibration_session_id=calibration_session_id)
    session.add(review)
    if calibration_session_id is None:
        session.execute(update(tables.ReviewItem)
                        .where(tables.ReviewItem.conversation_id == conversation_id)
                        .values(state=REVIEWED)
                        .execution_options(synchronize_session=False))
    session.flush()
    return review


def review_run(session: Session, conversation_id: int, version_id: int,
               run_id: int | None) -> tables.ScoreRun:
    """The run a review is of: `run_id` (one of the conversation's), else the latest under
    the scorecard version. QueryError naming the field when there is none."""
    run_t = tables.ScoreRun
    if run_id is None:
        run_id = session.scalar(select(run_t.id).where(
            run_t.conversation_id == conversation_id,
            run_t.scorecard_version_id == version_id).order_by(run_t.id.desc()).limit(1))
        if run_id is None:
            raise QueryError(f"conversation {conversation_id} has no run under the scorecard "
                             f"version", location="run_id")
    run = session.get(run_t, run_id)
    if run is None or run.conversation_id != conversation_id:
        raise QueryError(f"conversation {conversation_id} has no run {run_id}",
                         location="run_id")
    return run


def reviews_of(session: Session, conversation_id: int,
               *conditions: ColumnElement[bool]) -> list[tables.Review]:
    """The conversation's reviews (those meeting `conditions`), oldest first."""
    return list(session.scalars(select(tables.Review)
                                .where(tables.Review.conversation_id == conversation_id,
                                       *conditions)
                                .order_by(tables.Review.id)))


def latest_review(session: Session, conversation_id: int) -> tables.Review | None:
    """The conversation's effective review: its latest outside calibration sessions."""
    return session.scalar(select(tables.Review)
                          .where(tables.Review.conversation_id == conversation_id,
                                 tables.Review.calibration_session_id.is_(None))
                          .order_by(tables.Review.id.desc()).limit(1))


def disputes_of(session: Session, review_ids: list[int]) -> dict[int, list[tables.Dispute]]:
    """Disputes by review, oldest first."""
    found: dict[int, list[tables.Dispute]] = {i: [] for i in review_ids}
    if review_ids:
        for dispute in session.scalars(select(tables.Dispute)
                                       .where(tables.Dispute.review_id.in_(review_ids))
                                       .order_by(tables.Dispute.id)):
            found[dispute.review_id].append(dispute)
    return found


def reviews_of_agent(session: Session, agent_id: str,
                     limit: int = 50) -> list[tuple[tables.Review, str]]:
    """The latest reviews of the agent's conversations, newest first, each with its
    conversation's external id (calibration-session reviews do not count for the agent)."""
    rows = session.execute(
        select(tables.Review, tables.Conversation.external_id)
        .join(tables.Conversation, tables.Conversation.id == tables.Review.conversation_id)
        .where(tables.Conversation.agent_id == agent_id,
               tables.Review.calibration_session_id.is_(None))
        .order_by(tables.Review.id.desc()).limit(limit))
    return [(review, external_id) for review, external_id in rows]


# --- disputes --------------------------------------------------------------------------------

def open_dispute(session: Session, review_id: int, scope: Scope, key_id: str | None,
                 comment: str) -> tables.Dispute | None:
    """An agent's dispute of a review of their own conversation (None: no such review;
    OutOfScope: another agent's; QueryError: a calibration review, which does not count for
    the agent)."""
    review = session.get(tables.Review, review_id)
    if review is None:
        return None
    check_conversation_scope(session, review.conversation_id, scope,
                             f"review {review_id} not found")
    if review.calibration_session_id is not None:
        raise QueryError(f"review {review_id} was given in calibration session "
                         f"{review.calibration_session_id}: it does not count for the agent, "
                         f"so it cannot be disputed", location="review_id")
    dispute = tables.Dispute(review_id=review_id, agent_key_id=key_id, comment=comment,
                             state=OPEN, created_at=utcnow())
    session.add(dispute)
    session.flush()
    return dispute


def resolve_dispute(session: Session, dispute_id: int, key_id: str | None,
                    resolution: str) -> tables.Dispute | None:
    """The dispute resolved (None: no such dispute; Conflict: resolved already)."""
    dispute = session.get(tables.Dispute, dispute_id)
    if dispute is None:
        return None
    done = session.execute(
        update(tables.Dispute).where(tables.Dispute.id == dispute_id,
                                     tables.Dispute.state == OPEN)
        .values(state=RESOLVED, resolution=resolution, resolved_by=key_id,
                resolved_at=utcnow())
        .execution_options(synchronize_session=False))
    session.refresh(dispute)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"dispute {dispute_id} was resolved already at {dispute.resolved_at}",
                       location="dispute_id")
    return dispute


def jsonable_review(review: tables.Review) -> dict[str, Any]:
    """What the audit log keeps of a review."""
    return {"conversation_id": review.conversation_id, "run_id": review.run_id,
            "score": review.score, "criteria": sorted(review.criteria)}


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
