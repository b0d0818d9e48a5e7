"""GET /v1/agreement through the served app, on SQLite and PostgreSQL: reviews posted by
several keys (agreements and corrections) give the per-criterion, per-reviewer and overall
numbers worked out by hand below; a supervisor sees their teams' reviews only; the period
filters; a criterion the machine and the people always passed has kappa null with the reason."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from api.store import tables
from tests.api.security_data import SecureStore, secure

__all__ = ["secure"]

AGREE = {"agree": True}
PASS, FAIL = {"agree": False, "passed": True}, {"agree": False, "passed": False}
# (conversation, key, greeting verdict); the machine fails the greeting of each "-2" chat
# (a bare "Hello.") and passes the others; politeness passes in all of them.
REVIEWS = [
    ("n1-1", "qa", AGREE),        # machine pass, human pass (agreed)
    ("n1-2", "qa", PASS),         # machine fail, human pass
    ("n2-0", "supervisor", FAIL),  # machine pass, human fail
    ("n2-2", "supervisor", AGREE),  # machine fail, human fail (agreed)
    ("s1-2", "qa", AGREE),        # machine fail, human fail (agreed)
    ("s2-2", "qa", AGREE),        # machine fail, human fail (agreed)
    ("s1-0", "qa", AGREE),        # superseded by the admin's review below
    ("s1-0", "admin", FAIL),      # machine pass, human fail (the latest review counts)
]


def _ids(store: SecureStore) -> dict[str, int]:
    for session in store.write():
        found = {c.external_id: c.id for c in session.scalars(select(tables.Conversation))}
    return found


@pytest.fixture(scope="module")
def reviewed(secure: SecureStore) -> SecureStore:
    ids = _ids(secure)
    for external_id, who, greeting in REVIEWS:
        criteria: dict[str, Any] = {"greeting": greeting, "politeness": AGREE,
                                    "empathy": AGREE}  # empathy: not applicable, not counted
        answer = secure.call(who, "POST", f"/v1/conversations/{ids[external_id]}/reviews",
                             json={"criteria": criteria})
        assert answer.status_code == 201, answer.text
    return secure


def _get(store: SecureStore, who: str, **params: str) -> dict[str, Any]:
    answer = store.call(who, "GET", "/v1/agreement", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _criterion(report: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["criteria"] if c["criterion"] == name)
    return found


def test_agreement_per_criterion_by_hand(reviewed: SecureStore) -> None:
    report = _get(reviewed, "admin")
    # 7 conversations reviewed by the walk's 8 reviews, plus the store's own review of n1-0
    # (no criteria): 8 counted.
    assert report["reviews"] == 8 and report["scorecard"] == "default"
    greeting = _criterion(report, "greeting")
    # pairs (machine, human): TT 1, TF 2 (n2-0, s1-0), FT 1 (n1-2), FF 3; n = 7
    assert greeting["confusion"] == {
        "machine_passed_human_passed": 1, "machine_passed_human_failed": 2,
        "machine_failed_human_passed": 1, "machine_failed_human_failed": 3}
    assert greeting["n"] == 7
    assert greeting["accuracy"] == round(4 / 7, 4) and greeting["agree_share"] == round(4 / 7, 4)
    # po = 4/7; machine passes 3/7, human 2/7: pe = 6/49 + 20/49 = 26/49;
    # kappa = (28/49 - 26/49) / (23/49) = 2/23
    assert greeting["kappa"] == pytest.approx(2 / 23, abs=1e-4)
    assert greeting["kappa_note"] is None
    politeness = _criterion(report, "politeness")
    assert politeness["n"] == 7 and politeness["accuracy"] == 1.0
    assert politeness["kappa"] is None and "passed" in politeness["kappa_note"]
    assert [c["criterion"] for c in report["criteria"]] == ["greeting", "politeness"]
    overall = report["overall"]
    assert overall["n"] == 14 and overall["accuracy"] == round(11 / 14, 4)
    # overall: TT 8, TF 2, FT 1, FF 3: po = 11/14; machine 10/14, human 9/14 pass:
    # pe = (90 + 20) / 196; kappa = (154 - 110) / (196 - 110) = 44/86
    assert overall["kappa"] == pytest.approx(44 / 86, abs=1e-4)


def test_agreement_per_reviewer(reviewed: SecureStore) -> None:
    reviewers = {r["reviewer_key_id"]: r for r in _get(reviewed, "qa")["reviewers"]}
    keys = reviewed.key_ids
    assert set(reviewers) == {keys["qa"], keys["supervisor"], keys["admin"]}
    qa = reviewers[keys["qa"]]
    # qa's latest reviews: n1-1, n1-2, s1-2, s2-2 (s1-0 went to the admin's later review)
    assert qa["reviews"] == 4
    greeting = next(c for c in qa["criteria"] if c["criterion"] == "greeting")
    assert greeting["confusion"] == {
        "machine_passed_human_passed": 1, "machine_passed_human_failed": 0,
        "machine_failed_human_passed": 1, "machine_failed_human_failed": 2}
    # po = 3/4; machine 1/4, human 2/4 pass: pe = 1/8 + 3/8 = 1/2; kappa = 1/2
    assert greeting["kappa"] == 0.5 and greeting["accuracy"] == 0.75
    admin = reviewers[keys["admin"]]
    assert admin["reviews"] == 2  # the store's review of n1-0 and s1-0
    admin_greeting = next(c for c in admin["criteria"] if c["criterion"] == "greeting")
    assert admin_greeting["n"] == 1 and admin_greeting["accuracy"] == 0.0
    # one pair, machine pass, human fail: po = 0, pe = 1 * 0 + 0 * 1 = 0 -> kappa 0
    assert admin_greeting["kappa"] == 0.0 and admin_greeting["kappa_note"] is None


def test_supervisor_sees_their_teams_only(reviewed: SecureStore) -> None:
    north = _get(reviewed, "supervisor")
    # n1-0 (the store's review), n1-1, n1-2, n2-0, n2-2
    assert north["reviews"] == 5
    greeting = _criterion(north, "greeting")
    assert greeting["confusion"] == {
        "machine_passed_human_passed": 1, "machine_passed_human_failed": 1,
        "machine_failed_human_passed": 1, "machine_failed_human_failed": 1}
    assert greeting["kappa"] == 0.0 and greeting["accuracy"] == 0.5
    south = _get(reviewed, "sup_south")
    assert south["reviews"] == 3 and _criterion(south, "greeting")["n"] == 3
    assert {r["reviewer_key_id"] for r in south["reviewers"]} == {
        reviewed.key_ids["qa"], reviewed.key_ids["admin"]}
    for who in ("agent", "ml", "integration"):
        assert reviewed.call(who, "GET", "/v1/agreement").status_code == 403


def test_period_and_version(reviewed: SecureStore) -> None:
    # s1's chats are on 7-9 March, s2's on 10-12: s1-0 (TF), s1-2 (FF), s2-2 (FF)
    later = _get(reviewed, "admin", since="2026-03-07T00:00:00Z")
    assert later["reviews"] == 3
    greeting = _criterion(later, "greeting")
    assert greeting["n"] == 3 and greeting["confusion"]["machine_passed_human_failed"] == 1
    # po = 2/3; machine 1/3 pass, human none: pe = 2/3 -> kappa 0
    assert greeting["kappa"] == 0.0
    empty = _get(reviewed, "admin", since="2026-03-01T00:00:00Z", until="2026-03-02T00:00:00Z")
    assert empty["reviews"] == 1 and empty["criteria"] == []  # n1-0: no criteria reviewed
    assert empty["overall"]["n"] == 0 and empty["overall"]["kappa"] is None
    bad = reviewed.call("admin", "GET", "/v1/agreement",
                        params={"since": "2026-03-05T00:00:00Z", "until": "2026-03-01T00:00:00Z"})
    assert bad.status_code == 422 and "until" in bad.json()["message"]
    unknown = reviewed.call("admin", "GET", "/v1/agreement", params={"version": 999})
    assert unknown.status_code == 404


def test_calibration_session(reviewed: SecureStore) -> None:
    """Run last: its reviews of n1-0 and n2-1 would change the numbers above."""
    ids = _ids(reviewed)
    session = {"n1-0": {"qa": AGREE, "supervisor": FAIL, "admin": AGREE},
               "n2-1": {"qa": AGREE, "supervisor": AGREE, "admin": FAIL}}
    for external_id, verdicts in session.items():
        for who, greeting in verdicts.items():
            answer = reviewed.call(who, "POST",
                                   f"/v1/conversations/{ids[external_id]}/reviews",
                                   json={"criteria": {"greeting": greeting}})
            assert answer.status_code == 201, answer.text
    asked = {"conversation_id": [str(ids["n1-0"]), str(ids["n2-1"]), str(ids["s1-0"])]}
    north = reviewed.call("supervisor", "GET", "/v1/agreement/calibration", params=asked)
    assert north.status_code == 200, north.text
    body = north.json()
    assert body["conversations"] == sorted([ids["n1-0"], ids["n2-1"]])  # s1-0: south
    greeting = next(c for c in body["criteria"] if c["criterion"] == "greeting")
    # the machine passes both greetings; verdicts T F T and T T F: P_i = (4 + 1 - 3) / 6 = 1/3,
    # p(pass) = 4/6 -> P̄e = 5/9; kappa = (1/3 - 5/9) / (4/9) = -1/2
    assert greeting["subjects"] == 2 and greeting["reviewers"] == 3
    assert greeting["fleiss_kappa"] == -0.5 and greeting["fleiss_note"] is None
    against = {m["reviewer_key_id"]: m for m in greeting["against_majority"]}
    keys = reviewed.key_ids
    # the majority passes both: qa agrees on both (one class: kappa null), the supervisor and
    # the admin on one of two (po = 1/2 = pe: kappa 0)
    assert against[keys["qa"]]["accuracy"] == 1.0 and against[keys["qa"]]["kappa"] is None
    assert against[keys["supervisor"]]["accuracy"] == 0.5
    assert against[keys["admin"]]["kappa"] == 0.0
    everything = reviewed.call("qa", "GET", "/v1/agreement/calibration", params=asked).json()
    assert ids["s1-0"] in everything["conversations"]
    assert reviewed.call("qa", "GET", "/v1/agreement/calibration").status_code == 422
    assert reviewed.call("agent", "GET", "/v1/agreement/calibration",
                         params=asked).status_code == 403
