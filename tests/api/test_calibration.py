"""Blind calibration sessions through the served app, on SQLite and PostgreSQL: qa creates a
session of four north chats for three reviewers (qa, the north supervisor, admin); while it is
open the supervisor, the second reviewer, sees only their own session reviews (in the session
and in the conversation's reviews) and no report, while a qa key outside the session sees all;
session reviews leave the effective score, the review queue and machine-vs-human agreement
alone; once closed, the report gives the numbers worked out by hand below. Refusals: 403, 404,
409 and 422 with the field named; every change is audited."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from api.security.keys import create_key
from api.store import tables
from tests.api.security_data import SecureStore, secure

__all__ = ["secure"]

AGREE = {"agree": True}
FAIL = {"agree": False, "passed": False}
SESSIONS = "/v1/calibration-sessions"
# The machine passes the greeting of every "-0" and "-1" chat. Greeting verdicts per reviewer
# (True: agree, the machine's pass; False: corrected to fail):
GREETING = {"n1-0": {"qa": True, "supervisor": True, "admin": True},
            "n1-1": {"qa": True, "supervisor": False, "admin": True},
            "n2-0": {"qa": False, "supervisor": False, "admin": False},
            "n2-1": {"qa": True, "supervisor": False, "admin": False}}
REVIEWERS = ("qa", "supervisor", "admin")


def _ids(store: SecureStore) -> dict[str, int]:
    for session in store.write():
        found = {c.external_id: c.id for c in session.scalars(select(tables.Conversation))}
    return found


def _review(store: SecureStore, who: str, session_id: int, external_id: str,
            ids: dict[str, int]) -> dict[str, Any]:
    greeting = AGREE if GREETING[external_id][who] else FAIL
    answer = store.call(who, "POST", f"{SESSIONS}/{session_id}/reviews/{ids[external_id]}",
                        json={"note": f"{who} on {external_id}",
                              "criteria": {"greeting": greeting, "politeness": AGREE}})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _detail(store: SecureStore, who: str, session_id: int) -> dict[str, Any]:
    answer = store.call(who, "GET", f"{SESSIONS}/{session_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _session_reviews(store: SecureStore, who: str, conversation: int) -> list[dict[str, Any]]:
    answer = store.call(who, "GET", f"/v1/conversations/{conversation}/reviews")
    assert answer.status_code == 200, answer.text
    return [r for r in answer.json()["reviews"] if r["calibration_session_id"] is not None]


@pytest.fixture(scope="module")
def store(secure: SecureStore) -> SecureStore:
    """The secure store with a second qa key ("qa2"), which reviews in no session."""
    for session in secure.write():
        row, secure.keys["qa2"] = create_key(session, "qa", name="qa2")
        secure.key_ids["qa2"] = row.id
    return secure


def test_a_blind_session_and_its_report(store: SecureStore) -> None:
    ids = _ids(store)
    keys = store.key_ids
    conversations = [ids[e] for e in GREETING]
    machine_reviews = store.call("admin", "GET", "/v1/agreement").json()["reviews"]
    created = store.call("qa", "POST", SESSIONS, json={
        "name": "March greetings", "conversation_ids": conversations,
        "reviewer_key_ids": [keys[k] for k in REVIEWERS]})
    assert created.status_code == 201, created.text
    made = created.json()
    session_id = made["id"]
    assert made["state"] == "open" and made["created_by"] == keys["qa"]
    assert made["conversations"] == sorted(conversations) and made["version"] == 1
    assert {r["key_id"]: r["reviewed"] for r in made["reviewers"]} == {
        keys[k]: [] for k in REVIEWERS}

    for external_id in GREETING:
        _review(store, "qa", session_id, external_id, ids)
    # the second reviewer sees none of qa's session reviews, here or in the conversation's
    for external_id in GREETING:
        assert _session_reviews(store, "supervisor", ids[external_id]) == []
    for external_id in GREETING:
        _review(store, "supervisor", session_id, external_id, ids)
    seen = _detail(store, "supervisor", session_id)
    assert {r["reviewer_key_id"] for r in seen["reviews"]} == {keys["supervisor"]}
    assert len(seen["reviews"]) == 4 and seen["report"] is None
    assert {r["reviewer_key_id"] for r in _session_reviews(store, "supervisor", ids["n1-1"])
            } == {keys["supervisor"]}
    progress = {r["key_id"]: (len(r["reviewed"]), r["done"]) for r in seen["reviewers"]}
    assert progress == {keys["qa"]: (4, True), keys["supervisor"]: (4, True),
                        keys["admin"]: (0, False)}
    # the admin is a reviewer too: blind, no report; the agent sees no open session review
    assert _detail(store, "admin", session_id)["reviews"] == []
    assert _detail(store, "admin", session_id)["report"] is None
    assert _session_reviews(store, "agent", ids["n1-0"]) == []
    # a qa key outside the session sees every review and the report so far (two reviewers)
    outside = _detail(store, "qa2", session_id)
    assert len(outside["reviews"]) == 8 and outside["report"] is not None
    assert len(_session_reviews(store, "qa2", ids["n1-0"])) == 2

    for external_id in GREETING:
        _review(store, "admin", session_id, external_id, ids)
    # calibration, not the conversation's review: effective score, queue and agreement as
    # before; the ad-hoc calibration of the same conversations reads no session review
    detail = store.call("qa", "GET", f"/v1/conversations/{ids['n2-1']}").json()
    assert detail["review"] is None and detail["effective_score"] == detail["run"]["score"]
    assert store.call("admin", "GET", "/v1/agreement").json()["reviews"] == machine_reviews
    adhoc = store.call("qa", "GET", "/v1/agreement/calibration",
                       params={"conversation_id": [str(i) for i in conversations]}).json()
    assert adhoc["criteria"] == []

    closed = store.call("admin", "POST", f"{SESSIONS}/{session_id}/close")
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed" and closed.json()["closed_by"] == keys["admin"]
    after = _detail(store, "supervisor", session_id)
    assert len(after["reviews"]) == 12
    assert len(_session_reviews(store, "agent", ids["n1-0"])) == 3
    report = after["report"]
    assert report["conversations"] == sorted(conversations)
    greeting = next(c for c in report["criteria"] if c["criterion"] == "greeting")
    # pass counts per chat 3, 2, 0, 1 of 3: P_i = 1, 1/3, 1, 1/3 -> P̄ = 2/3; p(pass) = 6/12
    # -> P̄e = 1/2; kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert greeting["subjects"] == 4 and greeting["reviewers"] == 3
    assert greeting["fleiss_kappa"] == pytest.approx(1 / 3, abs=1e-4)
    against = {m["reviewer_key_id"]: m for m in greeting["against_majority"]}
    # majority: pass, pass, fail, fail. qa T T F T: po 3/4, pe = 1/2·3/4 + 1/2·1/4 = 1/2,
    # kappa 1/2; supervisor T F F F: the same by symmetry; admin T T F F: 1 and 1
    assert (against[keys["qa"]]["accuracy"], against[keys["qa"]]["kappa"]) == (0.75, 0.5)
    assert (against[keys["supervisor"]]["accuracy"],
            against[keys["supervisor"]]["kappa"]) == (0.75, 0.5)
    assert (against[keys["admin"]]["accuracy"], against[keys["admin"]]["kappa"]) == (1.0, 1.0)
    assert all(m["n"] == 4 for m in against.values())
    politeness = next(c for c in report["criteria"] if c["criterion"] == "politeness")
    assert politeness["fleiss_kappa"] is None and "one class" in politeness["fleiss_note"]

    for session in store.write():
        events = {(e.action, e.key_id, e.object_id) for e in session.scalars(
            select(tables.AuditEvent).where(tables.AuditEvent.action.like("calibration_%")))}
    assert ("calibration_session.create", keys["qa"], str(session_id)) in events
    assert ("calibration_session.close", keys["admin"], str(session_id)) in events
    assert sum(a == "calibration_review.create" for a, _, _ in events) == 12


def test_refusals(store: SecureStore) -> None:
    ids = _ids(store)
    keys = store.key_ids
    flagged = ids["n1-2"]  # the chat the flag rules queued (no greeting)

    def create(**body: Any) -> Any:
        payload = {"name": "refusals", "conversation_ids": [flagged],
                   "reviewer_key_ids": [keys["qa"], keys["admin"]], **body}
        return store.call("qa", "POST", SESSIONS, json=payload)

    for body, field in [
            ({"reviewer_key_ids": [keys["qa"]]}, "reviewer_key_ids"),
            ({"reviewer_key_ids": [keys["qa"], keys["qa"]]}, "reviewer_key_ids"),
            ({"reviewer_key_ids": [keys["qa"], keys["agent"]]}, "reviewer_key_ids"),
            ({"reviewer_key_ids": [keys["qa"], keys["revoked"]]}, "reviewer_key_ids"),
            ({"reviewer_key_ids": [keys["qa"], keys["sup_south"]]}, "reviewer_key_ids"),
            ({"conversation_ids": [999999]}, "conversation_ids"),
            ({"conversation_ids": []}, "conversation_ids"),
            ({"name": ""}, "name")]:
        refused = create(**body)
        assert refused.status_code == 422 and field in refused.text, (body, refused.text)
    assert store.call("supervisor", "POST", SESSIONS, json={}).status_code == 403

    made = create()
    assert made.status_code == 201, made.text
    session_id = made.json()["id"]
    path = f"{SESSIONS}/{session_id}/reviews/{flagged}"
    body = {"criteria": {"greeting": AGREE}}
    # not a reviewer: qa2 may see the session (403), the supervisors may not (404)
    assert store.call("qa2", "POST", path, json=body).status_code == 403
    assert store.call("supervisor", "POST", path, json=body).status_code == 404
    assert store.call("supervisor", "GET", f"{SESSIONS}/{session_id}").status_code == 404
    assert session_id not in {s["id"] for s in store.call(
        "supervisor", "GET", SESSIONS).json()["sessions"]}
    assert session_id in {s["id"] for s in store.call(
        "qa2", "GET", SESSIONS, params={"state": "open"}).json()["sessions"]}
    assert store.call("agent", "POST", path, json=body).status_code == 403
    assert store.call("qa", "POST", f"{SESSIONS}/{session_id}/reviews/{ids['n1-0']}",
                      json=body).status_code == 404  # not a conversation of the session
    assert store.call("qa", "GET", f"{SESSIONS}/999999").status_code == 404
    for wrong, field in [({"criteria": {"bogus": AGREE}}, "criteria.bogus"),
                         ({"run_id": 999999}, "run_id"), ({"extra": 1}, "extra")]:
        bad = store.call("qa", "POST", path, json=wrong)
        assert bad.status_code == 422 and field in bad.text, bad.text

    assert store.call("qa", "POST", path, json=body).status_code == 201
    again = store.call("qa", "POST", path, json=body)
    assert again.status_code == 409 and "already" in again.json()["message"]
    # eight at once from one reviewer: one review, seven 409s (never a 500)
    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda _: store.call("admin", "POST", path,
                                                     json=body).status_code, range(8)))
    assert codes == [201] + [409] * 7
    # the queue item of the flagged chat stays open; its detail shows no review
    items = store.call("qa", "GET", "/v1/review-queue", params={"agent_id": "n1"}).json()
    assert {i["state"] for i in items["items"] if i["conversation_id"] == flagged} == {"open"}
    assert store.call("qa", "GET", f"/v1/conversations/{flagged}").json()["review"] is None

    close = f"{SESSIONS}/{session_id}/close"
    assert store.call("supervisor", "POST", close).status_code == 403
    assert store.call("qa", "POST", close).status_code == 200
    assert store.call("qa", "POST", close).status_code == 409
    late = store.call("admin", "POST", path, json=body)
    assert late.status_code == 409 and "closed" in late.json()["message"]
    # a calibration review does not count for the agent: it cannot be disputed
    review_id = _session_reviews(store, "agent", flagged)[0]["id"]
    disputed = store.call("agent", "POST", f"/v1/reviews/{review_id}/disputes",
                          json={"comment": "x"})
    assert disputed.status_code == 422 and "calibration" in disputed.json()["message"]
