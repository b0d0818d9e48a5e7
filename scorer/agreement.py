"""Agreement between the machine and people, and between people: Cohen's kappa, accuracy and
the 2×2 confusion of machine vs human pass/fail verdicts, and Fleiss' kappa for k raters.

Pure statistics (no store, no HTTP). Kappa is undefined when chance agreement is 1 (every
verdict of both raters in one and the same class, or no verdicts at all): it is then None with
the reason, never a number made up for the case.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

NO_PAIRS = "no reviewed criteria with a machine verdict"
ONE_CLASS = "undefined: machine and human gave one and the same verdict ({}) throughout"
NO_SUBJECTS = "no subjects"
FEW_RATERS_PER_SUBJECT = "fewer than two raters per subject"
RATINGS_ONE_CLASS = "undefined: every rating is in one class"
FEW_RATERS = "fewer than two raters"
NOT_ALL_RATED = "no subject was rated by every rater"
NO_MAJORITY = "no conversation with a majority verdict (ties are left out)"
ONE_CLASS_MAJORITY = ("undefined: the reviewer and the majority gave one and the same verdict "
                      "({}) throughout")


@dataclass(frozen=True)
class Pair:
    """One reviewed criterion: the machine's verdict, the human's (the correction where the
    reviewer corrected it, else the machine's) and whether the reviewer said "agree"."""

    machine: bool
    human: bool
    agreed: bool


@dataclass(frozen=True)
class Confusion:
    """Counts of machine passed/failed × human passed/failed."""

    machine_passed_human_passed: int = 0
    machine_passed_human_failed: int = 0
    machine_failed_human_passed: int = 0
    machine_failed_human_failed: int = 0

    @property
    def n(self) -> int:
        return (self.machine_passed_human_passed + self.machine_passed_human_failed
                + self.machine_failed_human_passed + self.machine_failed_human_failed)


@dataclass(frozen=True)
class Kappa:
    value: float | None
    reason: str | None = None
    """Why `value` is None."""


@dataclass(frozen=True)
class Agreement:
    n: int
    agree_share: float | None
    """Share of the reviewed criteria the reviewer marked "agree"."""
    accuracy: float | None
    """Share where the human verdict equals the machine's."""
    kappa: Kappa
    confusion: Confusion


def confusion(pairs: Iterable[Pair]) -> Confusion:
    counts = {(m, h): 0 for m in (True, False) for h in (True, False)}
    for pair in pairs:
        counts[(pair.machine, pair.human)] += 1
    return Confusion(counts[(True, True)], counts[(True, False)], counts[(False, True)],
                     counts[(False, False)])


def cohen_kappa(machine: Sequence[bool], human: Sequence[bool], empty: str = NO_PAIRS,
                one_class: str = ONE_CLASS) -> Kappa:
    """Cohen's kappa (Cohen 1960) of two raters' pass/fail verdicts of the same items, by
    sklearn.metrics.cohen_kappa_score; None with the reason when undefined (no items: `empty`,
    or both raters used a single and the same class: `one_class`; chance agreement 1, kappa
    0/0)."""
    if len(machine) != len(human):
        raise ValueError("the raters must rate the same items")
    if not machine:
        return Kappa(None, empty)
    classes = set(machine) | set(human)
    if len(classes) == 1:
        return Kappa(None, one_class.format("passed" if classes.pop() else "failed"))
    # imported here: sklearn takes a second to import and only this needs it
    from sklearn.metrics import cohen_kappa_score

    value = float(cohen_kappa_score(list(machine), list(human), labels=[True, False]))
    return Kappa(round(value, 4))


def human_verdict(verdict: Mapping[str, object], machine: bool, threshold: float) -> bool:
    """A reviewer's effective verdict on a criterion: the machine's when they agreed, else
    the corrected `passed`, else a corrected score at or above the pass threshold."""
    if verdict.get("agree", True):
        return machine
    passed = verdict.get("passed")
    if isinstance(passed, bool):
        return passed
    score = verdict.get("score")
    return isinstance(score, (int, float)) and score >= threshold


def agreement(pairs: Iterable[Pair]) -> Agreement:
    """n, agree share, accuracy, Cohen's kappa and the confusion of the pairs."""
    items = list(pairs)
    n = len(items)
    if not n:
        return Agreement(0, None, None, Kappa(None, NO_PAIRS), Confusion())
    return Agreement(
        n=n,
        agree_share=round(sum(p.agreed for p in items) / n, 4),
        accuracy=round(sum(p.machine == p.human for p in items) / n, 4),
        kappa=cohen_kappa([p.machine for p in items], [p.human for p in items]),
        confusion=confusion(items))


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> Kappa:
    """Fleiss' kappa (Fleiss, J. L. 1971, "Measuring nominal scale agreement among many
    raters", Psychological Bulletin 76(5), 378-382) for N subjects each rated by the same
    number n >= 2 of raters into k categories. `counts[i][j]`: how many raters put subject i
    in category j.

        P_i = (sum_j n_ij^2 - n) / (n (n - 1)),   P̄ = mean P_i
        p_j = sum_i n_ij / (N n),                 P̄e = sum_j p_j^2
        kappa = (P̄ - P̄e) / (1 - P̄e)

    None with the reason when there are no subjects or P̄e = 1 (every rating in one class)."""
    rows = [list(r) for r in counts]
    if not rows:
        return Kappa(None, NO_SUBJECTS)
    raters = sum(rows[0])
    if raters < 2:
        return Kappa(None, FEW_RATERS_PER_SUBJECT)
    if any(sum(r) != raters for r in rows) or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("every subject needs the same number of ratings and categories")
    if any(v < 0 for r in rows for v in r):
        raise ValueError("counts must not be negative")
    subjects = len(rows)
    p_bar = sum((sum(v * v for v in r) - raters) / (raters * (raters - 1))
                for r in rows) / subjects
    shares = [sum(r[j] for r in rows) / (subjects * raters) for j in range(len(rows[0]))]
    p_e = sum(p * p for p in shares)
    if math.isclose(p_e, 1.0):
        return Kappa(None, RATINGS_ONE_CLASS)
    return Kappa(round((p_bar - p_e) / (1 - p_e), 4))


def fleiss_from_labels(ratings: Sequence[Sequence[Hashable]]) -> Kappa:
    """Fleiss' kappa from each subject's list of labels (one per rater)."""
    categories = sorted({label for r in ratings for label in r}, key=repr)
    return fleiss_kappa([[list(r).count(c) for c in categories] for r in ratings])


@dataclass(frozen=True)
class RaterVsMajority:
    """One rater's verdicts against the majority's on the subjects that have one."""

    n: int
    accuracy: float | None
    kappa: Kappa


@dataclass(frozen=True)
class Calibration:
    """Several raters' verdicts of the same subjects (a calibration session, one criterion)."""

    subjects: int
    """Subjects rated by every rater (the ones Fleiss' kappa is computed on)."""
    raters: int
    fleiss: Kappa
    against_majority: dict[str, RaterVsMajority]


def majority(verdicts: Iterable[bool]) -> bool | None:
    """The verdict of more than half of the raters (None on a tie)."""
    votes = list(verdicts)
    passed = sum(votes)
    if 2 * passed > len(votes):
        return True
    if 2 * passed < len(votes):
        return False
    return None


def calibration(ratings: dict[str, dict[str, bool]]) -> Calibration:
    """Inter-rater agreement of a calibration session on one criterion. `ratings`: subject ->
    rater -> passed. Fleiss' kappa over the subjects every rater rated; each rater against the
    majority of those subjects (the rater's own vote included; ties have no majority and are
    left out), by accuracy and Cohen's kappa."""
    raters = sorted({r for by in ratings.values() for r in by})
    complete = [by for by in ratings.values() if len(by) == len(raters)]
    fleiss = (fleiss_from_labels([[by[r] for r in raters] for by in complete])
              if len(raters) >= 2 else Kappa(None, FEW_RATERS))
    if len(raters) >= 2 and not complete:
        fleiss = Kappa(None, NOT_ALL_RATED)
    against: dict[str, RaterVsMajority] = {}
    for rater in raters:
        theirs, majorities = [], []
        for by in complete:
            verdict = majority(by.values())
            if verdict is not None:
                theirs.append(by[rater])
                majorities.append(verdict)
        n = len(theirs)
        against[rater] = RaterVsMajority(
            n, round(sum(a == b for a, b in zip(theirs, majorities, strict=True)) / n, 4)
            if n else None, cohen_kappa(majorities, theirs, NO_MAJORITY, ONE_CLASS_MAJORITY))
    return Calibration(len(complete), len(raters), fleiss, against)
