"""Reviews as training data: each conversation's latest review under a scorecard version, with
the stored (redacted) conversation and the machine run the review judged, for
training/from_reviews.py to label."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store import records, tables
from api.store.queries.agreement import OUTSIDE_SESSIONS, latest_reviews
from api.store.queries.filters import Scope
from training.from_reviews import MachineResult, ReviewedRun, labelled_line

BATCH = 200


def reviewed_runs(session: Session, version: tables.ScorecardVersion,
                  scope: Scope) -> Iterator[tuple[int, ReviewedRun]]:
    """(conversation id, reviewed run) for each conversation in scope reviewed under the
    version, by its latest review, in review order."""
    reviewed = latest_reviews(session, version, [*scope.conditions(), OUTSIDE_SESSIONS],
                              tables.Review.conversation_id)
    types = {name: spec.type or name for name, spec in reviewed.card.criteria.items()}
    thresholds = {name: spec.pass_threshold for name, spec in reviewed.card.criteria.items()}
    for start in range(0, len(reviewed.reviews), BATCH):
        batch = reviewed.reviews[start:start + BATCH]
        rows = {row.id: row for row in session.scalars(select(tables.Conversation).where(
            tables.Conversation.id.in_([r.conversation_id for r in batch])))}
        for review in batch:
            results = {name: MachineResult(row.passed, row.applicable, list(row.evidence or []))
                       for name, row in reviewed.results[review.run_id].items()}
            yield review.conversation_id, ReviewedRun(
                conversation=records.to_conversation(rows[review.conversation_id]),
                verdicts=review.criteria, results=results, criterion_types=types,
                thresholds=thresholds, reviewer=review.reviewer_key_id,
                reviewed_at=review.created_at)


def labelled_lines(session: Session, version: tables.ScorecardVersion,
                   scope: Scope) -> Iterator[tuple[int, dict[str, object]]]:
    """(conversation id, labelled-transcripts line) for every review that gives labels."""
    for conversation_id, reviewed in reviewed_runs(session, version, scope):
        line = labelled_line(reviewed)
        if line is not None:
            yield conversation_id, line
