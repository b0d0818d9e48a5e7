"""Machine vs human agreement from the stored reviews: per criterion, per reviewer and
overall, for a period and a scorecard version (the statistics are scorer/agreement.py's).

Which reviews count: for each conversation in the selection (period on `occurred_at`, the
viewer's scope), its latest review (highest id) of a run under the scorecard version; earlier
reviews of the same conversation are superseded and left out. Per reviewed criterion (a
criterion named in that review) with a machine verdict (the run's result applicable, passed
true or false), the human verdict is the review's corrected `passed` when the reviewer did not
agree (a corrected score alone: passed when at least the criterion's pass threshold), else the
machine's. Reviews given in calibration sessions are left out (api/store/queries/calibration.py);
a session's own report reads only them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.store import tables
from api.store.queries.filters import Filters, Scope, criterion_names
from api.store.scorecards import parse_content
from scorer.agreement import (
    Agreement,
    Calibration,
    Pair,
    agreement,
    calibration,
    human_verdict,
)
from scorer.scorecard import Scorecard

OUTSIDE_SESSIONS = tables.Review.calibration_session_id.is_(None)
"""Reviews given in calibration sessions are calibration, not the conversations' reviews."""


@dataclass
class ReviewerAgreement:
    key_id: str | None
    reviews: int
    overall: Agreement
    criteria: dict[str, Agreement]


@dataclass
class AgreementReport:
    reviews: int
    """Conversations counted (each by its latest review)."""
    overall: Agreement
    criteria: dict[str, Agreement]
    reviewers: list[ReviewerAgreement] = field(default_factory=list)


def agreement_report(session: Session, version: tables.ScorecardVersion,
                     selection: Filters) -> AgreementReport:
    """Agreement of the latest reviews in the selection (see the module's docstring)."""
    reviewed = latest_reviews(session, version, [*selection.conditions(), OUTSIDE_SESSIONS],
                               tables.Review.conversation_id)
    reviews = reviewed.reviews
    order = criterion_names(version)
    pairs: dict[str, list[Pair]] = defaultdict(list)
    by_reviewer: dict[str | None, dict[str, list[Pair]]] = defaultdict(
        lambda: defaultdict(list))
    reviewed_by: dict[str | None, int] = defaultdict(int)
    for r in reviews:
        reviewed_by[r.reviewer_key_id] += 1
        for name, verdict in r.criteria.items():
            verdicts = reviewed.verdicts(r, name, verdict)
            if verdicts is None:
                continue
            pair = Pair(machine=verdicts[0], human=verdicts[1],
                        agreed=bool(verdict.get("agree", True)))
            pairs[name].append(pair)
            by_reviewer[r.reviewer_key_id][name].append(pair)

    def ordered(found: dict[str, list[Pair]]) -> dict[str, Agreement]:
        names = [n for n in order if n in found] + sorted(n for n in found if n not in order)
        return {n: agreement(found[n]) for n in names}

    reviewers = [
        ReviewerAgreement(key, reviewed_by[key],
                          agreement([p for ps in by_reviewer[key].values() for p in ps]),
                          ordered(by_reviewer[key]))
        for key in sorted(reviewed_by, key=lambda k: (k is None, k or ""))]
    return AgreementReport(len(reviews), agreement([p for ps in pairs.values() for p in ps]),
                           ordered(pairs), reviewers)


@dataclass
class CalibrationReport:
    conversations: list[int]
    """The conversations counted (asked for, in the viewer's scope, reviewed under the
    version)."""
    criteria: dict[str, Calibration]


def calibration_report(session: Session, version: tables.ScorecardVersion, scope: Scope,
                       conversation_ids: list[int]) -> CalibrationReport:
    """Inter-reviewer agreement on conversations several people reviewed (ad hoc, outside
    stored sessions: their reviews are left out, so an open session stays blind)."""
    return _calibration(session, version,
                        [tables.Review.conversation_id.in_(conversation_ids),
                         OUTSIDE_SESSIONS, *scope.conditions()])


def session_calibration(session: Session, found: tables.CalibrationSession,
                        version: tables.ScorecardVersion) -> CalibrationReport:
    """Inter-reviewer agreement of a stored calibration session: its reviews only."""
    return _calibration(session, version,
                        [tables.Review.calibration_session_id == found.id])


def _calibration(session: Session, version: tables.ScorecardVersion,
                 conditions: list[ColumnElement[bool]]) -> CalibrationReport:
    """Per criterion, each reviewer's latest review (of a run under the version, meeting
    `conditions`) of each conversation gives that reviewer's verdict (the correction, else the
    machine's); scorer.agreement.calibration gives Fleiss' kappa and each reviewer against the
    majority."""
    reviewed = latest_reviews(session, version, conditions, tables.Review.conversation_id,
                               tables.Review.reviewer_key_id)
    reviews = reviewed.reviews
    ratings: dict[str, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
    for r in reviews:
        rater = r.reviewer_key_id or "(open)"
        for name, verdict in r.criteria.items():
            verdicts = reviewed.verdicts(r, name, verdict)
            if verdicts is not None:
                ratings[name][str(r.conversation_id)][rater] = verdicts[1]
    order = criterion_names(version)
    names = [n for n in order if n in ratings] + sorted(n for n in ratings if n not in order)
    return CalibrationReport(sorted({r.conversation_id for r in reviews}),
                             {n: calibration(dict(ratings[n])) for n in names})


@dataclass
class Reviewed:
    """The latest reviews of a selection, with the machine results they judged."""

    reviews: list[tables.Review]
    results: dict[int, dict[str, tables.CriterionResult]]
    card: Scorecard

    def verdicts(self, review: tables.Review, name: str,
                 verdict: dict[str, object]) -> tuple[bool, bool] | None:
        """(machine, human) for a reviewed criterion; None when the machine gave no verdict
        (not applicable, no result) or the scorecard has no such criterion."""
        result = self.results[review.run_id].get(name)
        spec = self.card.criteria.get(name)
        if result is None or spec is None or not result.applicable or result.passed is None:
            return None
        return result.passed, human_verdict(verdict, result.passed, spec.pass_threshold)


def latest_reviews(session: Session, version: tables.ScorecardVersion,
                    conditions: list[ColumnElement[bool]],
                    *latest_per: InstrumentedAttribute[Any]) -> Reviewed:
    """The latest review per `latest_per` group among reviews of runs under the version."""
    review, run, c = tables.Review, tables.ScoreRun, tables.Conversation
    latest = (select(func.max(review.id))
              .join(run, run.id == review.run_id)
              .join(c, c.id == review.conversation_id)
              .where(run.scorecard_version_id == version.id, *conditions)
              .group_by(*latest_per))
    reviews = list(session.scalars(select(review).where(review.id.in_(latest))
                                   .order_by(review.id)))
    results: dict[int, dict[str, tables.CriterionResult]] = defaultdict(dict)
    run_ids = sorted({r.run_id for r in reviews})
    if run_ids:
        for row in session.scalars(select(tables.CriterionResult)
                                   .where(tables.CriterionResult.run_id.in_(run_ids))):
            results[row.run_id][row.name] = row
    card = parse_content(version.content, f"scorecard {version.scorecard_name} "
                                          f"v{version.version}")
    return Reviewed(reviews, results, card)
