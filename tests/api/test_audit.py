"""The audit log through the served API (SQLite and PostgreSQL): changes, refusals and reads
of personal data are recorded with who, what, which object and how it ended; GET /v1/audit
filters and pages them, for admins only; an audit write that fails is logged and the answer
goes out unchanged."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.api.security_data import SecureStore, chat, secure
from tests.api.serving import served

__all__ = ["secure"]


def events(store: SecureStore, **filters: Any) -> list[dict[str, Any]]:
    answer = store.call("admin", "GET", "/v1/audit", params={"limit": 500, **filters})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def latest(store: SecureStore, **filters: Any) -> dict[str, Any]:
    found = events(store, limit=1, **filters)
    assert found, filters
    return found[0]


def test_changes_refusals_and_personal_reads_are_recorded(secure: SecureStore) -> None:
    qa, agent = secure.key_ids["qa"], secure.key_ids["agent"]
    assert secure.call("qa", "POST", "/v1/score", json=chat("audit-1", None, 1)).is_success
    event = latest(secure, key_id=qa)
    assert (event["action"], event["role"], event["outcome"], event["status"],
            event["client"]) == ("POST /v1/score", "qa", "allowed", 200, "127.0.0.1")

    assert secure.call("admin", "PATCH", "/v1/agents/s2", json={"display_name": "Sam"}
                       ).status_code == 200
    event = latest(secure, object_type="agent", object_id="s2")
    assert (event["action"], event["outcome"]) == ("PATCH /v1/agents/{agent_id}", "allowed")

    assert secure.call("qa", "POST", "/v1/rescore", json={"conversation_ids": [999999]}
                       ).status_code == 404
    assert latest(secure, key_id=qa)["outcome"] == "failed"

    assert secure.call("agent", "GET", "/v1/export").status_code == 403
    event = latest(secure, key_id=agent, outcome="refused")
    assert (event["action"], event["status"], event["role"]) == ("GET /v1/export", 403, "agent")
    assert "may not call GET /v1/export" in event["detail"]["reason"]

    assert secure.client.get("/v1/agents/n1").status_code == 401
    event = events(secure, outcome="refused")[0]
    assert (event["key_id"], event["role"], event["status"]) == (None, None, 401)
    assert (event["object_type"], event["object_id"]) == ("agent", "n1")
    assert "no API key" in event["detail"]["reason"]

    conversation = secure.audio_conversation
    assert secure.call("agent", "GET", f"/v1/conversations/{conversation}").status_code == 200
    assert secure.call("agent", "GET", f"/v1/conversations/{conversation}/audio").is_success
    reads = events(secure, key_id=agent, object_id=str(conversation))
    assert [(e["action"], e["outcome"]) for e in reads[:2]] == [
        ("GET /v1/conversations/{conversation_id}/audio", "allowed"),
        ("GET /v1/conversations/{conversation_id}", "allowed")]
    count = len(events(secure, key_id=agent))
    assert secure.call("agent", "GET", "/v1/conversations").status_code == 200
    assert len(events(secure, key_id=agent)) == count, "a listing is not a personal read"


def test_filters_and_pages(secure: SecureStore) -> None:
    for n in range(5):
        assert secure.call("ml", "GET", "/v1/conversations").status_code == 403, n
    ml = secure.key_ids["ml"]
    everything = events(secure, key_id=ml)
    assert len(everything) >= 5 and all(e["role"] == "ml" for e in everything)
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True), "newest first"
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"key_id": ml, "limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = secure.call("admin", "GET", "/v1/audit", params=params).json()
        pages.append([e["id"] for e in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [i for p in pages for i in p] == ids and all(len(p) <= 2 for p in pages)
    now = datetime.now(UTC)
    assert events(secure, key_id=ml, since=(now + timedelta(minutes=1)).isoformat()) == []
    assert len(events(secure, key_id=ml, until=(now + timedelta(minutes=1)).isoformat(),
                      since=(now - timedelta(hours=1)).isoformat())) == len(ids)
    bad = secure.call("admin", "GET", "/v1/audit", params={"outcome": "maybe"})
    assert bad.status_code == 422 and "outcome" in bad.json()["message"]
    too_many = secure.call("admin", "GET", "/v1/audit", params={"limit": 501})
    assert too_many.status_code == 422
    for role in ("qa", "supervisor", "agent", "ml", "integration"):
        assert secure.call(role, "GET", "/v1/audit").status_code == 403


def test_a_failed_audit_write_is_logged_and_the_answer_unchanged(tmp_path: Path) -> None:
    with served(tmp_path, IQS_WORKERS="0", IQS_REDACT="false") as client:
        assert client.post("/v1/score", json=chat("audit-2", None, 2)).status_code == 200
        engine = create_engine(f"sqlite:///{tmp_path / 'iqs.db'}")
        with engine.begin() as connection:
            assert connection.scalar(text("SELECT count(*) FROM audit_events")) == 1
            assert connection.scalar(text("SELECT detail FROM audit_events")) == \
                '{"open_mode": true}'
            connection.execute(text("ALTER TABLE audit_events RENAME TO audit_gone"))
        engine.dispose()
        answer = client.post("/v1/score", json=chat("audit-3", None, 3))
        assert answer.status_code == 200 and answer.json()["id"] == "audit-3"
        time.sleep(0.5)
        log = (tmp_path / "serve.log").read_text()
        assert "audit event not written" in log and "'action': 'POST /v1/score'" in log
