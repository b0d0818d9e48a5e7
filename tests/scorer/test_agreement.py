"""Machine vs human agreement and Fleiss' kappa, against numbers worked by hand and the
textbook example."""

from __future__ import annotations

import pytest

from scorer.agreement import (
    FEW_RATERS,
    NO_MAJORITY,
    NO_PAIRS,
    ONE_CLASS_MAJORITY,
    Confusion,
    Pair,
    agreement,
    calibration,
    cohen_kappa,
    fleiss_from_labels,
    fleiss_kappa,
    majority,
)


def _pairs(mp_hp: int, mp_hf: int, mf_hp: int, mf_hf: int) -> list[Pair]:
    return ([Pair(True, True, True)] * mp_hp + [Pair(True, False, False)] * mp_hf
            + [Pair(False, True, False)] * mf_hp + [Pair(False, False, True)] * mf_hf)


def test_agreement_by_hand() -> None:
    # 8 criteria: po = 6/8 = 0.75; machine and human pass 5 of 8:
    # pe = (5/8)^2 + (3/8)^2 = 34/64; kappa = (0.75 - 34/64) / (1 - 34/64) = 14/30 = 0.4667
    found = agreement(_pairs(4, 1, 1, 2))
    assert found.n == 8
    assert found.accuracy == 0.75 and found.agree_share == 0.75
    assert found.kappa.value == pytest.approx(0.4667) and found.kappa.reason is None
    assert found.confusion == Confusion(4, 1, 1, 2) and found.confusion.n == 8


def test_agree_share_counts_what_the_reviewer_said() -> None:
    # A correction that gives the machine's verdict again is no "agree" but still accurate.
    found = agreement([Pair(True, True, False), Pair(True, True, True)])
    assert found.agree_share == 0.5 and found.accuracy == 1.0


def test_one_rater_in_one_class_gives_kappa_zero_or_below() -> None:
    # machine passes all 4, human fails 1: po = 3/4, pe = 1 * 3/4 -> kappa 0
    assert agreement(_pairs(3, 1, 0, 0)).kappa.value == 0.0


def test_kappa_undefined_for_one_class_and_no_pairs() -> None:
    same = agreement(_pairs(5, 0, 0, 0))
    assert same.kappa.value is None and same.accuracy == 1.0
    assert same.kappa.reason is not None and "passed" in same.kappa.reason
    assert "failed" in (agreement(_pairs(0, 0, 0, 3)).kappa.reason or "")
    empty = agreement([])
    assert empty.n == 0 and empty.accuracy is None and empty.kappa.reason == NO_PAIRS
    with pytest.raises(ValueError):
        cohen_kappa([True], [True, False])


def test_perfect_and_opposite_kappa() -> None:
    assert agreement(_pairs(2, 0, 0, 2)).kappa.value == 1.0
    assert agreement(_pairs(0, 2, 2, 0)).kappa.value == -1.0


WIKIPEDIA = [  # 10 subjects, 14 raters, 5 categories (Fleiss 1971 as worked on Wikipedia)
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


def test_fleiss_textbook_example() -> None:
    # P̄ = 0.378, P̄e = 0.213, kappa = 0.210
    assert fleiss_kappa(WIKIPEDIA).value == pytest.approx(0.210, abs=5e-4)


def test_fleiss_by_hand_and_degenerate() -> None:
    # 3 subjects, 3 raters, pass/fail: P_i = 1, 1, 1/3 -> P̄ = 7/9;
    # p = (4/9, 5/9) -> P̄e = 41/81; kappa = (63/81 - 41/81) / (40/81) = 22/40 = 0.55
    split = [True, False, False]
    assert fleiss_from_labels([[True] * 3, [False] * 3, split]).value == pytest.approx(0.55)
    assert fleiss_from_labels([[True] * 3, [True] * 3]).value is None
    assert fleiss_kappa([]).reason == "no subjects"
    assert fleiss_kappa([[1, 0]]).value is None
    with pytest.raises(ValueError):
        fleiss_kappa([[2, 1], [1, 1]])


def test_calibration_session_by_hand() -> None:
    # 4 conversations, 3 reviewers; with a fourth (d) on the first only, that one subject is
    # the only one every rater rated: P_1 = (9 + 1 - 4) / 12 = 1/2, p = (3/4, 1/4),
    # P̄e = 10/16 -> kappa = (1/2 - 5/8) / (3/8) = -1/3
    ratings = {
        "c1": {"a": True, "b": True, "c": True, "d": False},
        "c2": {"a": True, "b": True, "c": False},
        "c3": {"a": False, "b": False, "c": False},
        "c4": {"a": False, "b": True, "c": False},
    }
    found = calibration(ratings)
    assert found.raters == 4 and found.subjects == 1
    assert found.fleiss.value == pytest.approx(-1 / 3, abs=1e-4)
    assert calibration({"c1": {"a": True}, "c2": {"b": True}}).fleiss.value is None
    del ratings["c1"]["d"]
    found = calibration(ratings)
    assert found.raters == 3 and found.subjects == 4
    # P_i = 1, 1/3, 1, 1/3 -> P̄ = 2/3; p(pass) = 6/12 -> P̄e = 1/2; kappa = (1/6) / (1/2) = 1/3
    assert found.fleiss.value == pytest.approx(1 / 3, abs=1e-4)
    # majorities: pass, pass, fail, fail; a agrees on all 4 (kappa 1); b and c on 3 of 4:
    # b: po = 3/4, b passes 3/4, majority 2/4: pe = 3/8 + 1/8 = 1/2 -> kappa 1/2
    assert found.against_majority["a"].accuracy == 1.0
    assert found.against_majority["a"].kappa.value == 1.0
    assert found.against_majority["b"].accuracy == 0.75
    assert found.against_majority["b"].kappa.value == 0.5
    assert found.against_majority["c"].kappa.value == 0.5


def test_majority_ties_and_one_rater() -> None:
    assert majority([True, False]) is None and majority([True, True, False]) is True
    tied = calibration({"c1": {"a": True, "b": False}, "c2": {"a": True, "b": True}})
    assert tied.against_majority["a"].n == 1  # c1 is a tie: no majority
    alone = calibration({"c1": {"a": True}})
    assert alone.fleiss.value is None and alone.fleiss.reason == FEW_RATERS


def test_reviewer_against_majority_says_why_kappa_is_undefined() -> None:
    # c2's majority passes and a passes: one class throughout (c1, a tie, is left out)
    tied = calibration({"c1": {"a": True, "b": False}, "c2": {"a": True, "b": True}})
    assert tied.against_majority["a"].kappa.reason == ONE_CLASS_MAJORITY.format("passed")
    only_ties = calibration({"c1": {"a": True, "b": False}})
    assert only_ties.against_majority["b"].n == 0
    assert only_ties.against_majority["b"].kappa.reason == NO_MAJORITY
