"""The read API through real HTTP (`iqs serve` in its own process) over a store filled through
the ingest path, on SQLite and PostgreSQL: listing with filters and cursors, one conversation,
its recording with range requests, agents and teams, the streamed export, and 404/422 bodies
that name what is wrong."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scorer.aggregation import UNKNOWN_AGENT, summarize_agents
from tests.api.conftest import CALL, STC3_AGENTS, ReadStore, Stored

StoredNow = Callable[..., list[Stored]]


def _pages(api: httpx.Client, **params: Any) -> list[int]:
    ids: list[int] = []
    while True:
        response = api.get("/v1/conversations", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            return ids
        params = {**params, "cursor": body["next_cursor"]}


def _newest_first(rows: list[Stored]) -> list[int]:
    return [r.conversation.id for r in sorted(
        rows, key=lambda r: (r.conversation.occurred_at, r.conversation.id), reverse=True)]


def _error(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message", "fields"}
    for word in words:
        assert word in body["message"], (word, body["message"])


def _call_id(api: httpx.Client) -> int:
    items = api.get("/v1/conversations", params={"channel": "call"}).json()["items"]
    return next(i["id"] for i in items if i["has_audio"])


def test_listing_with_filters_and_cursors(read_api: httpx.Client,
                                          stored_now: StoredNow) -> None:
    rows = stored_now("lenient")
    assert _pages(read_api, scorecard="lenient", limit=9) == _newest_first(rows)
    agent = _pages(read_api, scorecard="lenient", agent_id="stc-ben", min_score=40,
                   max_score=60, since="2024-03-04", until="2024-04-20T00:00:00Z", limit=3)
    assert agent == _newest_first([
        r for r in rows if r.conversation.agent_id == "stc-ben" and r.run.score is not None
        and 40 <= r.run.score <= 60 and "2024-03-04" <= r.conversation.occurred_at.isoformat()
        < "2024-04-20"])
    assert agent
    unknown = _pages(read_api, scorecard="lenient", agent_id=UNKNOWN_AGENT)
    assert unknown == _newest_first([r for r in rows if r.conversation.agent_id is None])
    failed = _pages(read_api, criterion_failed="greeting", critical="true", passed="no")
    assert failed == _newest_first([
        r for r in stored_now("default") if r.run.critical and not r.run.passed
        and any(c.name == "greeting" and c.applicable and c.passed is False
                for c in r.run.results)])
    page = read_api.get("/v1/conversations", params={"limit": 2}).json()
    assert page["scorecard"] == "default" and len(page["items"]) == 2
    assert set(page["items"][0]) >= {"id", "external_id", "agent_id", "score", "passed",
                                     "critical_failures", "occurred_at", "run_id"}


@pytest.mark.parametrize(("params", "status", "words"), [
    ({"limit": 0}, 422, ["query.limit"]),
    ({"limit": 501}, 422, ["query.limit"]),
    ({"limit": "many"}, 422, ["query.limit"]),
    ({"min_score": "high"}, 422, ["query.min_score"]),
    ({"max_score": 101}, 422, ["query.max_score"]),
    ({"min_score": "nan"}, 422, ["query.min_score"]),
    ({"min_score": 90, "max_score": 10}, 422, ["max_score"]),
    ({"since": "yesterday"}, 422, ["query.since"]),
    ({"since": "2024-05-02", "until": "2024-05-01"}, 422, ["until"]),
    ({"since": "9999-12-31T23:59:59-05:00"}, 422, ["since", "out of range"]),
    ({"channel": "fax"}, 422, ["query.channel"]),
    ({"critical": "maybe"}, 422, ["query.critical"]),
    ({"version": 0}, 422, ["query.version"]),
    ({"version": 10**30}, 422, ["query.version"]),
    ({"cursor": "bm90IGEgY3Vyc29y"}, 422, ["cursor"]),
    ({"cursor": "not a cursor!"}, 422, ["query.cursor"]),
    ({"criterion_failed": "charm"}, 422, ["criterion_failed", "greeting"]),
    ({"agent_id": "a\x00b"}, 422, ["query.agent_id"]),
    ({"team": ""}, 422, ["query.team"]),
    ({"scorecard": "nope"}, 404, ["'nope' not found"]),
    ({"scorecard": "default", "version": 99}, 404, ["version 99 not found"]),
])
def test_bad_query_values_name_the_parameter(read_api: httpx.Client, params: dict[str, Any],
                                             status: int, words: list[str]) -> None:
    _error(read_api.get("/v1/conversations", params=params), status, *words)
    if not {"limit", "cursor"} & set(params):  # the export's selection is the same
        _error(read_api.get("/v1/export", params=params), status, *words)


def test_one_conversation(read_api: httpx.Client, stored_now: StoredNow) -> None:
    call = _call_id(read_api)
    body = read_api.get(f"/v1/conversations/{call}").json()
    assert body["agent"]["id"] == "a-sarah" and body["agent"]["display_name"] == "Sarah"
    assert body["channel"] == "call" and body["has_audio"]
    assert body["audio_url"] == f"/v1/conversations/{call}/audio"
    assert body["turns"][0]["start"] is not None and body["turns"][0]["role"] == "agent"
    run = body["run"]
    assert (run["scorecard"], run["version"]) == ("default", 1)
    assert run["models"]["asr"] == "tiny.en" and run["timing"]["handle_time"] > 0
    greeting = run["criteria"]["greeting"]
    assert greeting["evidence"] and {"turn", "text"} <= set(greeting["evidence"][0])
    assert [r["scorecard"] for r in body["runs"]] == ["default", "lenient"]
    lenient = read_api.get(f"/v1/conversations/{call}", params={"scorecard": "lenient"}).json()
    assert lenient["run"]["id"] == body["runs"][1]["id"]
    older = read_api.get(f"/v1/conversations/{call}",
                         params={"scorecard": "lenient", "run": body["runs"][0]["id"]})
    assert older.json()["run"]["id"] == run["id"]
    expected = next(r for r in stored_now() if r.conversation.id == call)
    assert run["score"] == expected.run.score and run["id"] == expected.run.id
    _error(read_api.get("/v1/conversations/999999"), 404, "conversation 999999 not found")
    _error(read_api.get("/v1/conversations/0"), 422, "conversation_id")
    _error(read_api.get(f"/v1/conversations/{2**40}"), 422, "conversation_id")
    _error(read_api.get("/v1/conversations/abc"), 422, "conversation_id")
    _error(read_api.get(f"/v1/conversations/{call}", params={"run": 999999}), 422,
           "run: conversation", "has no run 999999")


def test_audio_with_range_requests(read_api: httpx.Client) -> None:
    call = _call_id(read_api)
    data = CALL.read_bytes()
    whole = read_api.get(f"/v1/conversations/{call}/audio")
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"] == "audio/flac"
    assert whole.headers["accept-ranges"] == "bytes"
    part = read_api.get(f"/v1/conversations/{call}/audio", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == data[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    tail = read_api.get(f"/v1/conversations/{call}/audio", headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == data[-100:]
    seek = read_api.get(f"/v1/conversations/{call}/audio",
                        headers={"Range": f"bytes={len(data) - 10}-"})
    assert seek.status_code == 206 and seek.content == data[-10:]
    beyond = read_api.get(f"/v1/conversations/{call}/audio",
                          headers={"Range": f"bytes={len(data) + 5}-"})
    assert beyond.status_code == 416
    chat = read_api.get("/v1/conversations", params={"channel": "chat", "limit": 1}).json()
    _error(read_api.get(f"/v1/conversations/{chat['items'][0]['id']}/audio"), 404,
           "has no audio")
    _error(read_api.get("/v1/conversations/999999/audio"), 404, "not found")


def _summaries(rows: list[Stored]) -> dict[str, Any]:
    return {s.agent_id: s for s in summarize_agents([r.score() for r in rows], worst=5)}


def _same(actual: dict[str, Any], expected: Any) -> None:
    for name in ("n", "scored", "mean", "ci_low", "ci_high", "pass_rate", "critical_failures",
                 "pass_rates"):
        assert actual[name] == getattr(expected, name), name
    assert [w["external_id"] for w in actual["worst"]] == expected.worst


def test_agents_equal_summarize_agents(read_api: httpx.Client, stored_now: StoredNow) -> None:
    for scorecard in ("default", "lenient"):
        expected = _summaries(stored_now(scorecard))
        body = read_api.get("/v1/agents", params={"scorecard": scorecard}).json()
        assert body["scorecard"] == scorecard and body["version"] == 1
        assert [a["agent_id"] for a in body["agents"]] == list(expected)
        for agent in body["agents"]:
            _same(agent, expected[agent["agent_id"]])
            assert sum(p["n"] for p in agent["trend"]) == agent["n"]
    sarah = read_api.get("/v1/agents/a-sarah").json()["agent"]
    assert sarah["display_name"] == "Sarah" and sarah["n"] == 1 and sarah["ci_low"] is None
    since, until = "2024-03-11T00:00:00Z", "2024-04-01T00:00:00Z"
    one = read_api.get(f"/v1/agents/{STC3_AGENTS[2]}", params={
        "scorecard": "lenient", "since": since, "until": until}).json()
    rows = [r for r in stored_now("lenient") if since <= r.conversation.occurred_at.isoformat()
            .replace("+00:00", "Z") < until]
    _same(one["agent"], _summaries(rows)[STC3_AGENTS[2]])
    assert [p["week"] for p in one["agent"]["trend"]] == ["2024-03-11", "2024-03-18",
                                                          "2024-03-25"]
    assert one["since"].startswith("2024-03-11")
    unknown = read_api.get(f"/v1/agents/{UNKNOWN_AGENT}", params={"scorecard": "lenient"})
    _same(unknown.json()["agent"], _summaries(stored_now("lenient"))[UNKNOWN_AGENT])
    empty = read_api.get("/v1/agents/a-sarah", params={"until": "2020-01-01"}).json()["agent"]
    assert empty["n"] == 0 and empty["mean"] is None and empty["trend"] == []
    no_trend = read_api.get("/v1/agents", params={"trend": "false"}).json()
    assert all(a["trend"] is None for a in no_trend["agents"])
    _error(read_api.get("/v1/agents/nobody"), 404, "agent 'nobody' not found")
    _error(read_api.get("/v1/agents", params={"since": "soon"}), 422, "query.since")
    _error(read_api.get("/v1/agents", params={"scorecard": "nope"}), 404, "not found")


def test_patch_agent_and_team_aggregates(read_api: httpx.Client,
                                         stored_now: StoredNow) -> None:
    patched = read_api.patch(f"/v1/agents/{STC3_AGENTS[3]}",
                             json={"team": "api-south", "display_name": "Dee"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["team"] == "api-south" and patched.json()["display_name"] == "Dee"
    rows = stored_now("lenient")
    team = [r for r in rows if r.team == "api-south"]
    assert {r.conversation.agent_id for r in team} == {STC3_AGENTS[3]}
    merged = [r.score().model_copy(update={"agent_id": "api-south"}) for r in team]
    [expected] = summarize_agents(merged, worst=5)
    body = read_api.get("/v1/teams/api-south", params={"scorecard": "lenient"}).json()["team"]
    _same(body, expected)
    assert body["agents"] == [STC3_AGENTS[3]] and body["name"] == "api-south"
    teams = read_api.get("/v1/teams", params={"scorecard": "lenient"}).json()["teams"]
    assert "api-south" in {t["team_id"] for t in teams} and "(none)" in {
        t["team_id"] for t in teams}
    assert sum(t["n"] for t in teams) == len(rows)
    listed = _pages(read_api, scorecard="lenient", team="api-south")
    assert sorted(listed) == sorted(r.conversation.id for r in team)
    agent = read_api.get(f"/v1/agents/{STC3_AGENTS[3]}").json()["agent"]
    assert agent["team"] == "api-south" and agent["display_name"] == "Dee"
    kept = read_api.patch(f"/v1/agents/{STC3_AGENTS[3]}", json={"display_name": None}).json()
    assert kept["team"] == "api-south" and kept["display_name"] is None
    _error(read_api.patch("/v1/agents/nobody", json={"team": "x"}), 404, "'nobody' not found")
    _error(read_api.patch(f"/v1/agents/{STC3_AGENTS[3]}", json={"squad": "x"}), 422, "squad")
    _error(read_api.patch(f"/v1/agents/{STC3_AGENTS[3]}", json={"team": "a\nb"}), 422, "team")
    _error(read_api.patch(f"/v1/agents/{STC3_AGENTS[3]}", json={"team": "x" * 101}), 422,
           "team")
    _error(read_api.get("/v1/teams/nowhere"), 404, "team 'nowhere' not found")


def test_export_streams_csv_and_jsonl(read_api: httpx.Client, stored_now: StoredNow) -> None:
    rows = {r.conversation.id: r for r in stored_now("lenient")}
    with read_api.stream("GET", "/v1/export", params={"scorecard": "lenient"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "content-length" not in response.headers  # streamed, chunked
        assert response.headers["transfer-encoding"] == "chunked"
        assert "iqs-lenient-v1.csv" in response.headers["content-disposition"]
        text = "".join(response.iter_text())
    table = list(csv.DictReader(io.StringIO(text)))
    assert sorted(int(r["conversation_id"]) for r in table) == sorted(rows)
    for line in table:
        assert float(line["score"]) == rows[int(line["conversation_id"])].run.score
    assert {"greeting_score", "greeting_passed", "farewell_passed"} <= set(table[0])
    jsonl = read_api.get("/v1/export", params={"format": "jsonl", "scorecard": "lenient",
                                               "agent_id": STC3_AGENTS[0]})
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    records = [json.loads(line) for line in jsonl.text.splitlines()]
    expected = [r for r in rows.values() if r.conversation.agent_id == STC3_AGENTS[0]]
    assert sorted(r["conversation_id"] for r in records) == sorted(
        r.conversation.id for r in expected)
    assert all(r["criteria"]["greeting"]["evidence"] is not None and r["turns"]
               for r in records)
    _error(read_api.get("/v1/export", params={"format": "xml"}), 422, "query.format")


def test_openapi_documents_the_read_routes(read_api: httpx.Client) -> None:
    spec = read_api.get("/openapi.json").json()
    for path, method in [("/v1/conversations", "get"), ("/v1/conversations/{conversation_id}",
                                                        "get"),
                         ("/v1/conversations/{conversation_id}/audio", "get"),
                         ("/v1/agents", "get"), ("/v1/agents/{agent_id}", "get"),
                         ("/v1/agents/{agent_id}", "patch"), ("/v1/teams", "get"),
                         ("/v1/teams/{team_id}", "get"), ("/v1/export", "get")]:
        operation = spec["paths"][path][method]
        for status in ("404", "422"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema["$ref"].endswith("/ErrorBody"), (path, status)
    audio = spec["paths"]["/v1/conversations/{conversation_id}/audio"]["get"]["responses"]
    assert "206" in audio
    schemas = spec["components"]["schemas"]
    for name in ("ConversationOut", "ConversationItem", "AgentStatsOut", "TeamStatsOut",
                 "AgentPatch"):
        assert schemas[name].get("examples"), name
    parameters = {p["name"] for p in spec["paths"]["/v1/conversations"]["get"]["parameters"]}
    assert parameters == {"agent_id", "team", "channel", "language", "since", "until",
                          "min_score", "max_score", "critical", "criterion_failed", "passed",
                          "scorecard", "version", "cursor", "limit"}


def test_read_store_backend(read_store: ReadStore) -> None:
    """The parametrised store is the one its name says (both backends run every test)."""
    assert read_store.url.startswith("sqlite" if read_store.backend == "sqlite"
                                     else "postgresql+psycopg")
