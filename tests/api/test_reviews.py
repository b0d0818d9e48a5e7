"""People's reviews through the served app, on SQLite and PostgreSQL: the flag rules fill the
queue when runs are stored (once per conversation and version), the queue's filters, sort and
scope, one reviewer at a time, reviews kept apart from the machine's runs (the effective score),
agents' disputes, QA's resolutions, the history and the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from api.jobs.tasks import run_job
from api.store import queries, records, tables
from scorer.flags import CALIBRATION, CRITICAL, flag_reasons
from scorer.scorecard import CONFIGS_DIR
from tests.api.security_data import SecureStore, secure

__all__ = ["secure"]


def _conversation(store: SecureStore, external_id: str) -> int:
    for session in store.write():
        found = session.scalars(select(tables.Conversation.id).where(
            tables.Conversation.external_id == external_id)).one()
    return found


def _item_of(store: SecureStore, conversation_id: int) -> int:
    for session in store.write():
        found = session.scalars(select(tables.ReviewItem.id).where(
            tables.ReviewItem.conversation_id == conversation_id)).one()
    return found


def test_the_flag_rules_queue_runs_once(secure: SecureStore) -> None:
    for session in secure.write():
        items = session.scalars(select(tables.ReviewItem)).all()
        by_conversation = {i.conversation_id: i for i in items}
        assert len(by_conversation) == len(items)  # two ingest jobs, one item each
        for conversation in session.scalars(select(tables.Conversation)):
            runs = session.scalars(select(tables.ScoreRun).where(
                tables.ScoreRun.conversation_id == conversation.id)
                .order_by(tables.ScoreRun.id)).all()
            if not runs:
                continue
            run = runs[0]
            version = session.get(tables.ScorecardVersion, run.scorecard_version_id)
            assert version is not None
            want = flag_reasons(queries.to_score(conversation, run), records.flag_rules(version),
                                records.sample_key(conversation.key, version.id))
            item = by_conversation.get(conversation.id)
            assert (item.reasons if item else []) == want, conversation.external_id
            if conversation.external_id.endswith("-2"):  # opened with a bare "Hello."
                assert item is not None and CRITICAL in item.reasons
                assert item.run_id == run.id and item.state in ("open", "claimed", "reviewed")
        # Scoring again under the same version (a rescore) queues nothing more.
        before = session.scalar(select(func.count()).select_from(tables.ReviewItem))
        flagged = next(i for i in items if CRITICAL in i.reasons)
        queued = session.get(tables.Conversation, flagged.conversation_id)
        raised = session.get(tables.ScoreRun, flagged.run_id)
        assert queued is not None and raised is not None
        again = records.store_score(session, queued.id, raised.scorecard_version_id,
                                    queries.to_score(queued, raised), None, 0.1, {})
        assert again.id != raised.id
        assert session.scalar(select(func.count()).select_from(tables.ReviewItem)) == before
        assert session.get(tables.ReviewItem, flagged.id).run_id == raised.id  # type: ignore[union-attr]
        session.rollback()


def test_queue_filters_sort_and_scope(secure: SecureStore) -> None:
    def queue(who: str, **params: Any) -> list[dict[str, Any]]:
        response = secure.call(who, "GET", "/v1/review-queue", params=params)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    everything = queue("qa", limit=500)
    assert {i["agent_id"] for i in everything} >= {"n1", "n2", "s1", "s2", "x1"}
    assert all(i["reasons"] for i in everything)
    north = queue("supervisor", limit=500)
    assert north and {i["team"] for i in north} == {"north"}
    assert {i["id"] for i in north} == {i["id"] for i in everything if i["team"] == "north"}
    assert {i["team"] for i in queue("sup_south")} == {"south"}
    assert queue("supervisor", team="south") == []  # no filter widens the scope
    assert {i["agent_id"] for i in queue("admin", team="south")} <= {"s1", "s2"}
    assert {i["agent_id"] for i in queue("admin", agent_id="s1")} == {"s1"}
    critical = queue("admin", reason="critical_failure")
    assert critical and all(CRITICAL in i["reasons"] for i in critical)
    by_age = queue("admin", sort="age", limit=500)
    assert [i["created_at"] for i in by_age] == sorted(i["created_at"] for i in by_age)
    scores = [i["score"] for i in queue("admin", sort="score", limit=500)]
    known = [s for s in scores if s is not None]
    assert known == sorted(known) and scores[:len(known)] == known
    assert queue("admin", state="reviewed", agent_id="n2") == []
    assert secure.call("agent", "GET", "/v1/review-queue").status_code == 403
    bad = secure.call("admin", "GET", "/v1/review-queue", params={"reason": "bogus"})
    assert bad.status_code == 422 and "reason" in bad.text
    bad = secure.call("admin", "GET", "/v1/review-queue", params={"sort": "size"})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "query.sort"


def test_one_reviewer_at_a_time(secure: SecureStore) -> None:
    item = _item_of(secure, _conversation(secure, "n2-2"))
    path = f"/v1/review-queue/{item}"
    claimed = secure.call("supervisor", "POST", f"{path}/claim")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["claimed_by"] == secure.key_ids["supervisor"]
    assert secure.call("supervisor", "POST", f"{path}/claim").status_code == 200  # still theirs
    taken = secure.call("qa", "POST", f"{path}/claim")
    assert taken.status_code == 409 and secure.key_ids["supervisor"] in taken.json()["message"]
    assert secure.call("sup_south", "POST", f"{path}/claim").status_code == 404  # not theirs
    listed = secure.call("qa", "GET", "/v1/review-queue", params={"state": "claimed"}).json()
    assert item in {i["id"] for i in listed["items"]}
    mine = secure.call("supervisor", "GET", "/v1/review-queue", params={"mine": "true"})
    assert [i["id"] for i in mine.json()["items"]] == [item]
    assert secure.call("qa", "GET", "/v1/review-queue", params={"mine": "true"}
                       ).json()["items"] == []
    # qa and admin may release anyone's claim; then qa may claim it
    released = secure.call("qa", "POST", f"{path}/release")
    assert released.status_code == 200 and released.json()["state"] == "open"
    assert secure.call("qa", "POST", f"{path}/claim").status_code == 200
    assert secure.call("supervisor", "POST", f"{path}/release").status_code == 409
    assert secure.call("qa", "POST", f"{path}/release").status_code == 200
    assert secure.call("admin", "POST", "/v1/review-queue/999999/claim").status_code == 404


def test_a_review_is_kept_apart_and_disputed(secure: SecureStore) -> None:
    conversation = _conversation(secure, "s1-2")
    detail = f"/v1/conversations/{conversation}"
    before = secure.call("qa", "GET", detail).json()
    machine = before["run"]
    assert "greeting" in machine["critical_failures"] and machine["score"] == 0
    assert before["review"] is None and before["effective_score"] == machine["score"]

    # bad input: 422 naming the field
    for body, field in [({"criteria": {"bogus": {"agree": True}}}, "criteria.bogus"),
                        ({"criteria": {"greeting": {"agree": False}}}, "criteria.greeting"),
                        ({"criteria": {"greeting": {"agree": False, "score": 2}}},
                         "criteria.greeting.score"),
                        ({"run_id": 999999}, "run_id")]:
        refused = secure.call("qa", "POST", f"{detail}/reviews", json=body)
        assert refused.status_code == 422 and field in refused.text, (body, refused.text)
    assert secure.call("supervisor", "POST", f"{detail}/reviews",
                       json={"criteria": {}}).status_code == 404  # south's: not north's

    body = {"note": "The greeting was fine for a returning customer.",
            "criteria": {"greeting": {"agree": False, "passed": True, "score": 1.0,
                                      "comment": "hello is enough here"},
                         "politeness": {"agree": True}}}
    made = secure.call("sup_south", "POST", f"{detail}/reviews", json=body)
    assert made.status_code == 201, made.text
    review = made.json()
    assert review["run_id"] == machine["id"] and review["reviewer_role"] == "supervisor"
    assert review["score"] is not None and review["score"] > 0
    assert review["criteria"]["greeting"]["passed"] is True

    after = secure.call("qa", "GET", detail).json()
    assert after["run"] == machine  # the machine's run is not changed
    assert after["review"]["id"] == review["id"]
    assert after["effective_score"] == review["score"] != machine["score"]
    items = secure.call("qa", "GET", "/v1/review-queue", params={"agent_id": "s1",
                                                                 "limit": 500}).json()["items"]
    assert {i["state"] for i in items if i["conversation_id"] == conversation} == {"reviewed"}

    # the agent disputes, another agent may not; QA resolves once
    disputes = f"/v1/reviews/{review['id']}/disputes"
    assert secure.call("agent", "POST", disputes, json={"comment": "x"}).status_code == 404
    assert secure.call("qa", "POST", disputes, json={"comment": "x"}).status_code == 403
    assert secure.call("agent_s1", "POST", disputes, json={"comment": ""}).status_code == 422
    opened = secure.call("agent_s1", "POST", disputes,
                         json={"comment": "The customer had greeted me first."})
    assert opened.status_code == 201 and opened.json()["state"] == "open"
    resolve = f"/v1/disputes/{opened.json()['id']}/resolve"
    assert secure.call("supervisor", "POST", resolve,
                       json={"resolution": "x"}).status_code == 403
    resolved = secure.call("qa", "POST", resolve, json={"resolution": "Review stands."})
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    assert resolved.json()["resolved_by"] == secure.key_ids["qa"]
    assert secure.call("admin", "POST", resolve, json={"resolution": "again"}).status_code == 409

    # a second review: the history keeps both, the latest is effective
    second = secure.call("qa", "POST", f"{detail}/reviews",
                         json={"criteria": {"greeting": {"agree": True}}}).json()
    assert second["score"] == machine["score"]
    history = secure.call("agent_s1", "GET", f"{detail}/reviews")
    assert history.status_code == 200
    reviews = history.json()["reviews"]
    assert [r["id"] for r in reviews] == [review["id"], second["id"]]
    assert [d["state"] for d in reviews[0]["disputes"]] == ["resolved"]
    assert reviews[0]["disputes"][0]["resolution"] == "Review stands."
    assert secure.call("qa", "GET", detail).json()["effective_score"] == machine["score"]
    assert secure.call("agent", "GET", f"{detail}/reviews").status_code == 404

    # every change is in the audit log, with who did it
    for session in secure.write():
        events = {(e.action, e.key_id) for e in session.scalars(select(tables.AuditEvent))}
    assert ("review.create", secure.key_ids["sup_south"]) in events
    assert ("dispute.open", secure.key_ids["agent_s1"]) in events
    assert ("dispute.resolve", secure.key_ids["qa"]) in events
    assert ("review_item.claim", secure.key_ids["supervisor"]) in events
    assert ("review_item.release", secure.key_ids["qa"]) in events


def test_a_rescore_flags_under_its_version_once(secure: SecureStore) -> None:
    """Last in the module: it adds a version of "default" (every conversation sampled)."""
    content = (CONFIGS_DIR / "default.yaml").read_text(encoding="utf-8").replace(
        "calibration_rate: 0.05", "calibration_rate: 1.0")
    made = secure.call("qa", "POST", "/v1/scorecards/default/versions",
                       json={"content": content})
    assert made.status_code == 201, made.text
    version = made.json()["version"]
    bad = secure.call("qa", "POST", "/v1/scorecards/default/versions", json={
        "content": content.replace("criteria_failed: []", "criteria_failed: [greetng]")})
    assert bad.status_code == 422 and "flags.criteria_failed" in bad.text
    ids = [_conversation(secure, f"{agent}-{n}") for agent in ("n1", "s2") for n in range(3)]

    def rescore() -> None:
        job = secure.call("qa", "POST", "/v1/rescore", json={
            "scorecard": "default", "version": version, "conversation_ids": ids})
        assert job.status_code == 202, job.text
        runtime = secure.session()
        try:
            assert run_job(runtime, job.json()["id"]) == "done"
        finally:
            runtime.close()

    def queued() -> dict[int, tuple[int, list[str]]]:
        for session in secure.write():
            rows = session.execute(
                select(tables.ReviewItem.conversation_id, tables.ReviewItem.run_id,
                       tables.ReviewItem.reasons)
                .join(tables.ScorecardVersion)
                .where(tables.ScorecardVersion.version == version)).all()
        return {c: (r, list(reasons)) for c, r, reasons in rows}

    rescore()
    first = queued()
    assert set(first) == set(ids)
    assert all(CALIBRATION in reasons for _, reasons in first.values())
    assert all(CRITICAL in first[_conversation(secure, f"{a}-2")][1] for a in ("n1", "s2"))
    rescore()  # new runs, the same queue
    assert queued() == first
    listed = secure.call("admin", "GET", "/v1/review-queue",
                         params={"reason": "calibration_sample", "limit": 500}).json()["items"]
    assert {i["conversation_id"] for i in listed if i["version"] == version} == set(ids)
