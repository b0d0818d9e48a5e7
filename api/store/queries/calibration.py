"""Blind calibration sessions: named reviewers review the same conversations under one scorecard
version; the session's report (api/store/queries/agreement.py `session_calibration`) measures
how far they agree.

Blindness: while a session is open, its reviews are seen by their author only, and by admin or
qa keys that are not reviewers of it; once it is closed, by whoever may see the conversation.
Session reviews are calibration, not the conversation's review: they never close a review-queue
item, never give a conversation's effective score and are left out of machine-vs-human
agreement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.security.keys import active
from api.store import tables
from api.store.queries.filters import MAX_LIMIT, OutOfScope, QueryError, Scope
from api.store.queries.reviews import Conflict, CriterionVerdict, add_review, review_run
from api.store.tables import utcnow

OPEN, CLOSED = "open", "closed"
REVIEWING_ROLES = ("admin", "qa", "supervisor")
"""The roles that may review (api/security/roles.py: POST .../reviews)."""


def create_session(session: Session, name: str, version: tables.ScorecardVersion,
                   conversation_ids: Sequence[int], reviewer_key_ids: Sequence[str],
                   created_by: str | None) -> tables.CalibrationSession:
    """A new open session. QueryError naming the field for a conversation that does not exist
    or has no run under the version, and for a reviewer that is not an active key of a
    reviewing role or (a supervisor) does not lead the team of every conversation."""
    c, agent, run = tables.Conversation, tables.Agent, tables.ScoreRun
    rows = {row.id: row for row in session.execute(
        select(c.id, c.agent_id, agent.team_id).outerjoin(agent, agent.id == c.agent_id)
        .where(c.id.in_(conversation_ids)))}
    scored = set(session.scalars(select(run.conversation_id).where(
        run.conversation_id.in_(conversation_ids), run.scorecard_version_id == version.id)))
    for conversation_id in conversation_ids:
        if conversation_id not in rows:
            raise QueryError(f"conversation {conversation_id} not found",
                             location="conversation_ids")
        if conversation_id not in scored:
            raise QueryError(f"conversation {conversation_id} has no run under scorecard "
                             f"{version.scorecard_name} v{version.version}",
                             location="conversation_ids")
    keys = {k.id: k for k in session.scalars(select(tables.ApiKey).where(
        tables.ApiKey.id.in_(reviewer_key_ids), active()))}
    for key_id in reviewer_key_ids:
        key = keys.get(key_id)
        if key is None or key.role not in REVIEWING_ROLES:
            raise QueryError(f"{key_id} is not an active key of a reviewing role "
                             f"({', '.join(REVIEWING_ROLES)})", location="reviewer_key_ids")
        if key.role == "supervisor":
            scope = Scope(teams=frozenset(t.team_id for t in key.teams))
            outside = [i for i in conversation_ids
                       if not scope.admits_agent(rows[i].agent_id, rows[i].team_id)]
            if outside:
                raise QueryError(f"supervisor key {key_id} does not lead the team of "
                                 f"conversation {outside[0]}", location="reviewer_key_ids")
    found = tables.CalibrationSession(
        name=name, scorecard_version_id=version.id, created_by=created_by, created_at=utcnow(),
        state=OPEN,
        conversations=[tables.CalibrationConversation(conversation_id=i)
                       for i in conversation_ids],
        reviewers=[tables.CalibrationReviewer(key_id=k) for k in reviewer_key_ids])
    session.add(found)
    session.flush()
    return found


def reviewer_ids(found: tables.CalibrationSession) -> list[str]:
    return [r.key_id for r in found.reviewers]


def conversation_ids(found: tables.CalibrationSession) -> list[int]:
    return [c.conversation_id for c in found.conversations]


def list_sessions(session: Session, member: str | None, state: str | None = None,
                  limit: int = 50) -> list[tables.CalibrationSession]:
    """Sessions, newest first: every one, or (`member`) those the key reviews in."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"must be between 1 and {MAX_LIMIT}", location="limit")
    s = tables.CalibrationSession
    query = select(s).order_by(s.id.desc()).limit(limit)
    if member is not None:
        query = query.where(s.id.in_(select(tables.CalibrationReviewer.session_id)
                                     .where(tables.CalibrationReviewer.key_id == member)))
    if state is not None:
        query = query.where(s.state == state)
    return list(session.scalars(query))


def find_session(session: Session, session_id: int,
                 member: str | None) -> tables.CalibrationSession | None:
    """The session (None when there is none); OutOfScope when `member` is given and is not
    one of its reviewers (a supervisor sees only the sessions they review in)."""
    found = session.get(tables.CalibrationSession, session_id)
    if found is not None and member is not None and member not in reviewer_ids(found):
        raise OutOfScope(f"calibration session {session_id} not found")
    return found


def progress(session: Session, session_ids: Sequence[int]) -> dict[int, dict[str, list[int]]]:
    """Per session, per reviewer: the conversations they reviewed in it."""
    r = tables.Review
    done: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for review in session.scalars(select(r).where(r.calibration_session_id.in_(session_ids))
                                  .order_by(r.conversation_id)):
        # a session review always has its session and its reviewer's key
        assert review.calibration_session_id is not None and review.reviewer_key_id
        done[review.calibration_session_id][review.reviewer_key_id].append(
            review.conversation_id)
    return done


def add_session_review(session: Session, found: tables.CalibrationSession,
                       conversation_id: int, run_id: int | None,
                       verdicts: dict[str, CriterionVerdict], note: str | None, key_id: str,
                       role: str) -> tables.Review:
    """A reviewer's review of one of the session's conversations (its run under the session's
    version). Conflict when the session is closed or the reviewer reviewed it already."""
    if found.state != OPEN:
        raise Conflict(f"calibration session {found.id} is closed", location="session_id")
    twice = Conflict(f"key {key_id} reviewed conversation {conversation_id} in calibration "
                     f"session {found.id} already", location="conversation_id")
    r = tables.Review
    if session.scalar(select(func.count()).select_from(r).where(
            r.calibration_session_id == found.id, r.conversation_id == conversation_id,
            r.reviewer_key_id == key_id)):
        raise twice
    run = review_run(session, conversation_id, found.scorecard_version_id, run_id)
    if run.scorecard_version_id != found.scorecard_version_id:
        raise QueryError(f"run {run.id} is not under the session's scorecard version",
                         location="run_id")
    try:
        # the unique constraint settles two requests that both passed the check above
        with session.begin_nested():
            return add_review(session, conversation_id, run, verdicts, note, key_id, role,
                              calibration_session_id=found.id)
    except IntegrityError:
        raise twice from None


def close_session(session: Session, found: tables.CalibrationSession,
                  key_id: str | None) -> tables.CalibrationSession:
    """The session closed (compare-and-set); Conflict when it was closed already."""
    s = tables.CalibrationSession
    done = session.execute(update(s).where(s.id == found.id, s.state == OPEN)
                           .values(state=CLOSED, closed_by=key_id, closed_at=utcnow())
                           .execution_options(synchronize_session=False))
    session.refresh(found)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"calibration session {found.id} was closed already at "
                       f"{found.closed_at}", location="session_id")
    return found


def visible_reviews(key_id: str | None, manager: bool) -> ColumnElement[bool]:
    """The condition of the reviews a viewer may see (the module's blindness rule): ordinary
    reviews, their own, and those of sessions that are closed or (admin, qa: `manager`) that
    they do not review in."""
    r, s, m = tables.Review, tables.CalibrationSession, tables.CalibrationReviewer
    blind = select(s.id).where(s.state == OPEN)
    if manager:
        blind = blind.where(s.id.in_(select(m.session_id).where(m.key_id == key_id)))
    shown: list[ColumnElement[bool]] = [r.calibration_session_id.is_(None),
                                        r.calibration_session_id.not_in(blind)]
    if key_id is not None:
        shown.append(r.reviewer_key_id == key_id)
    return or_(*shown)


def report_visible(found: tables.CalibrationSession, key_id: str | None,
                   manager: bool) -> bool:
    """Whether the viewer may read the session's report (the blindness rule, as for its
    reviews: once closed, or admin and qa that are not its reviewers)."""
    return found.state == CLOSED or (manager and key_id not in reviewer_ids(found))


def session_reviews(session: Session, found: tables.CalibrationSession,
                    visible: ColumnElement[bool]) -> list[tables.Review]:
    """The session's reviews meeting `visible`, oldest first."""
    r = tables.Review
    return list(session.scalars(select(r).where(r.calibration_session_id == found.id, visible)
                                .order_by(r.id)))


def reviewer_keys(session: Session) -> list[tables.ApiKey]:
    """The keys a session may name as reviewers: active, of a reviewing role, oldest first."""
    k = tables.ApiKey
    return list(session.scalars(select(k).where(active(), k.role.in_(REVIEWING_ROLES))
                                .order_by(k.created_at, k.id)))


def conversation_refs(session: Session, refs: Sequence[str]) -> list[int]:
    """The conversation ids that `refs` name, in their order: a whole number is a conversation
    id, anything else an external id (which must name one conversation). QueryError naming
    the field `conversations` for a ref that names none or several."""
    c = tables.Conversation
    external = [ref for ref in refs if not ref.isdigit()]
    named: dict[str, list[int]] = defaultdict(list)
    for conversation_id, external_id in session.execute(
            select(c.id, c.external_id).where(c.external_id.in_(external)).order_by(c.id)):
        named[external_id].append(conversation_id)
    ids = []
    for ref in refs:
        if ref.isdigit():
            ids.append(int(ref))
            continue
        found = named.get(ref, [])
        if len(found) != 1:
            raise QueryError(f"external id {ref!r} names {len(found) or 'no'} conversations"
                             + ("; give the conversation id" if found else ""),
                             location="conversations")
        ids.append(found[0])
    return ids


def external_ids(session: Session, conversation_ids: Sequence[int]) -> dict[int, str]:
    """Each conversation's external id (the session page's labels)."""
    c = tables.Conversation
    return {conversation_id: external_id for conversation_id, external_id in session.execute(
        select(c.id, c.external_id).where(c.id.in_(conversation_ids)))}
