"""The route × role table is the documentation, and this walk holds the app to it: every route
(every row of api/security/roles.py ROUTE_ROLES) is called by every role's key, without a key,
with a malformed key, an expired key and a revoked key, against `iqs serve` over a store of two
teams; each answer must be the table's (401 / 403 / the route's success code). Then scoping:
a supervisor of one team, an agent, sees only their own in every listing, aggregate, export and
detail (404 outside, audited as refused). The counts are printed (`pytest -s`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from api.security.roles import ROUTE_ROLES, Public, Role, admitted
from api.store import tables
from scorer.scorecard import CONFIGS_DIR
from tests.api.security_data import ROLE_KEYS, TEAMS, SecureStore, chat, secure

__all__ = ["secure"]

BAD = ("no key", "malformed", "expired", "revoked")
PAGES = frozenset({("GET", "/queue"), ("GET", "/conversations/{conversation_id}"),
                   ("GET", "/agents"), ("GET", "/agents/{agent_id}"), ("GET", "/agreement"),
                   ("GET", "/calibration"), ("POST", "/calibration"),
                   ("GET", "/calibration/{session_id}"),
                   ("GET", "/scorecards"), ("GET", "/scorecards/{name}"),
                   ("POST", "/scorecards/{name}/validate")})
"""Web pages (api/web): refused as pages, 303 to /sign-in without a valid key and a 403 page
for a role the table does not admit."""


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    success: int
    body: Any = None
    params: dict[str, str] | None = None
    form: dict[str, str] | None = None
    fresh: Callable[[], str] | None = None
    """Sets the store up before each attempt and gives the path (a claim or a resolution
    succeeds once per object)."""
    out_of_scope: frozenset[str] = frozenset()
    """Roles the route admits that may not see this object: 404."""


def calls(store: SecureStore) -> dict[tuple[str, str], Call]:
    """A request per row of the table that succeeds for a key the row admits (in scope of
    the walk's supervisor, north, and agent, n1)."""
    default = (CONFIGS_DIR / "default.yaml").read_text(encoding="utf-8")
    conversation = store.audio_conversation
    new_session = store.new_calibration_session  # reviewed by admin, qa and supervisor
    return {
        ("GET", "/health"): Call("GET", "/health", 200),
        ("GET", "/metrics"): Call("GET", "/metrics", 200),
        ("GET", "/openapi.json"): Call("GET", "/openapi.json", 200),
        ("GET", "/docs"): Call("GET", "/docs", 200),
        ("GET", "/docs/oauth2-redirect"): Call("GET", "/docs/oauth2-redirect", 200),
        ("GET", "/redoc"): Call("GET", "/redoc", 200),
        ("MOUNT", "/static-offline-docs"): Call("GET", "/static-offline-docs/swagger-ui.css",
                                                200),
        ("POST", "/v1/score"): Call("POST", "/v1/score", 200, chat("walk-score", "n1", 2)),
        ("GET", "/v1/scorecards"): Call("GET", "/v1/scorecards", 200),
        ("GET", "/v1/scorecards/{name}"): Call("GET", "/v1/scorecards/default", 200),
        ("POST", "/v1/scorecards/{name}/versions"): Call(
            "POST", "/v1/scorecards/default/versions", 201, {"content": default}),
        ("POST", "/v1/conversations"): Call("POST", "/v1/conversations", 201,
                                            chat("walk-import", "s2", 28)),
        ("GET", "/v1/jobs/{job_id}"): Call("GET", f"/v1/jobs/{store.integration_job}", 200,
                                           out_of_scope=frozenset({"ml"})),
        ("POST", "/v1/rescore"): Call("POST", "/v1/rescore", 202,
                                      {"conversation_ids": [conversation]}),
        ("GET", "/v1/conversations"): Call("GET", "/v1/conversations", 200),
        ("GET", "/v1/conversations/{conversation_id}"): Call(
            "GET", f"/v1/conversations/{conversation}", 200),
        ("GET", "/v1/conversations/{conversation_id}/audio"): Call(
            "GET", f"/v1/conversations/{conversation}/audio", 200),
        ("GET", "/v1/agents"): Call("GET", "/v1/agents", 200),
        ("GET", "/v1/agents/{agent_id}"): Call("GET", "/v1/agents/n1", 200),
        ("PATCH", "/v1/agents/{agent_id}"): Call("PATCH", "/v1/agents/n2", 200,
                                                 {"display_name": "Nora"}),
        ("GET", "/v1/teams"): Call("GET", "/v1/teams", 200),
        ("GET", "/v1/teams/{team_id}"): Call("GET", "/v1/teams/north", 200),
        ("GET", "/v1/export"): Call("GET", "/v1/export", 200, params={"format": "jsonl"}),
        ("GET", "/v1/audit"): Call("GET", "/v1/audit", 200),
        ("GET", "/v1/review-queue"): Call("GET", "/v1/review-queue", 200),
        ("POST", "/v1/review-queue/{item_id}/claim"): Call(
            "POST", f"/v1/review-queue/{store.review_item}/claim", 200,
            fresh=store.reopen_item),
        ("POST", "/v1/review-queue/{item_id}/release"): Call(
            "POST", f"/v1/review-queue/{store.review_item}/release", 200),
        ("POST", "/v1/conversations/{conversation_id}/reviews"): Call(
            "POST", f"/v1/conversations/{conversation}/reviews", 201,
            {"note": "walk", "criteria": {"greeting": {"agree": True}}}),
        ("GET", "/v1/conversations/{conversation_id}/reviews"): Call(
            "GET", f"/v1/conversations/{conversation}/reviews", 200),
        ("POST", "/v1/reviews/{review_id}/disputes"): Call(
            "POST", f"/v1/reviews/{store.review}/disputes", 201, {"comment": "walk"}),
        ("GET", "/v1/agreement"): Call("GET", "/v1/agreement", 200),
        ("GET", "/v1/agreement/calibration"): Call(
            "GET", "/v1/agreement/calibration", 200, params={"conversation_id": str(conversation)}),
        ("POST", "/v1/disputes/{dispute_id}/resolve"): Call(
            "POST", "/v1/disputes/0/resolve", 200, {"resolution": "walk"},
            fresh=store.new_dispute),
        ("POST", "/v1/calibration-sessions"): Call(
            "POST", "/v1/calibration-sessions", 201,
            {"name": "walk", "conversation_ids": [conversation],
             "reviewer_key_ids": [store.key_ids[k] for k in ("admin", "qa", "supervisor")]}),
        ("GET", "/v1/calibration-sessions"): Call("GET", "/v1/calibration-sessions", 200),
        ("GET", "/v1/calibration-sessions/{session_id}"): Call(
            "GET", "", 200, fresh=lambda: f"/v1/calibration-sessions/{new_session()}"),
        ("POST", "/v1/calibration-sessions/{session_id}/reviews/{conversation_id}"): Call(
            "POST", "", 201, {"criteria": {"greeting": {"agree": True}}},
            fresh=lambda: f"/v1/calibration-sessions/{new_session()}/reviews/{conversation}"),
        ("POST", "/v1/calibration-sessions/{session_id}/close"): Call(
            "POST", "", 200, fresh=lambda: f"/v1/calibration-sessions/{new_session()}/close"),
        ("GET", "/v1/reviews/export"): Call("GET", "/v1/reviews/export", 200),
        ("POST", "/v1/models/train"): Call("POST", "/v1/models/train", 202, {
            "task": "politeness", "criterion": "politeness", "name": "walk-model"}),
        ("GET", "/v1/models"): Call("GET", "/v1/models", 200),
        ("GET", "/v1/models/{model_name}"): Call("GET", "/v1/models/politeness-minilm", 200),
        ("MOUNT", "/static"): Call("GET", "/static/iqs.css", 200),
        ("GET", "/sign-in"): Call("GET", "/sign-in", 200),
        ("POST", "/sign-in"): Call("POST", "/sign-in", 303,
                                   form={"key": store.keys["qa"], "next": "/queue"}),
        ("POST", "/sign-out"): Call("POST", "/sign-out", 303),
        ("GET", "/queue"): Call("GET", "/queue", 200),
        ("GET", "/conversations/{conversation_id}"): Call(
            "GET", f"/conversations/{conversation}", 200),
        ("GET", "/agents"): Call("GET", "/agents", 200),
        ("GET", "/agents/{agent_id}"): Call("GET", "/agents/n1", 200),
        ("GET", "/agreement"): Call("GET", "/agreement", 200),
        ("GET", "/calibration"): Call("GET", "/calibration", 200),
        ("POST", "/calibration"): Call(
            "POST", "/calibration", 201,
            {"name": "walk page", "conversations": f"{conversation}",
             "reviewer_key_ids": [store.key_ids[k] for k in ("qa", "supervisor")]}),
        ("GET", "/calibration/{session_id}"): Call(
            "GET", "", 200, fresh=lambda: f"/calibration/{new_session()}"),
        ("GET", "/scorecards"): Call("GET", "/scorecards", 200),
        ("GET", "/scorecards/{name}"): Call("GET", "/scorecards/default", 200),
        ("POST", "/scorecards/{name}/validate"): Call(
            "POST", "/scorecards/default/validate", 200, {"content": default}),
    }


def send(store: SecureStore, who: str, call: Call) -> Any:
    headers = {}
    if who == "malformed":
        headers["Authorization"] = "Bearer iqs_not-a-key"
    elif who != "no key":
        headers["Authorization"] = f"Bearer {store.keys[who]}"
    path = call.fresh() if call.fresh is not None else call.path
    store.client.cookies.clear()  # POST /sign-in sets the key cookie: each attempt stands alone
    return store.client.request(call.method, path, headers=headers, params=call.params,
                                json=call.body, data=call.form)


def expected(who: str, key: tuple[str, str], call: Call) -> int:
    admits = ROUTE_ROLES[key]
    if isinstance(admits, Public):
        return call.success
    if who in BAD:
        return 303 if key in PAGES else 401
    if Role(who) not in admits:
        return 403
    return 404 if who in call.out_of_scope else call.success


def test_every_route_by_every_role(secure: SecureStore) -> None:
    table = calls(secure)
    assert set(table) == set(ROUTE_ROLES), "the walk must call every route of the table"
    attempts, refusals, wrong = 0, 0, []
    for key, call in table.items():
        for who in (*ROLE_KEYS, *BAD):
            response = send(secure, who, call)
            want = expected(who, key, call)
            attempts += 1
            refusals += response.status_code in (401, 403)
            if response.status_code != want:
                wrong.append(f"{who} {call.method} {call.path}: {response.status_code} "
                             f"(table: {want}) {response.text[:200]}")
                continue
            if key in PAGES and want in (303, 403):
                assert (response.headers.get("location", "").startswith("/sign-in?next=")
                        if want == 303 else "<h1>403" in response.text), response.text[:200]
            elif want in (401, 403):
                body = response.json()
                assert set(body) == {"error", "message", "fields"}, body
                if want == 401:
                    assert response.headers["www-authenticate"] == "Bearer"
                else:
                    assert repr(who) in body["message"] and key[1] in body["message"]
    print(f"\nroute x role walk ({secure.backend}): {len(table)} routes x "
          f"{len(ROLE_KEYS) + len(BAD)} identities = {attempts} attempts, {refusals} refused "
          f"(401/403), {len(wrong)} wrong")
    assert not wrong, "\n".join(wrong)


def test_401_messages_say_why(secure: SecureStore) -> None:
    route = "/v1/scorecards"
    messages = {who: send(secure, who, Call("GET", route, 200)).json()["message"]
                for who in BAD}
    assert "no API key" in messages["no key"]
    assert "malformed" in messages["malformed"]
    assert f"API key {secure.key_ids['expired']} expired at" in messages["expired"]
    assert f"API key {secure.key_ids['revoked']} was revoked at" in messages["revoked"]
    wrong_secret = secure.keys["admin"][:-4] + "AAAA"
    unknown = secure.client.get(route, headers={"X-API-Key": wrong_secret})
    assert unknown.status_code == 401 and unknown.json()["message"] == "API key not recognised"
    by_header = secure.client.get(route, headers={"X-API-Key": secure.keys["qa"]})
    assert by_header.status_code == 200


def _stored(store: SecureStore) -> tuple[dict[int, str | None], dict[str, str | None]]:
    """(agent of each scored conversation, team of each agent) from the store itself."""
    runtime = store.session()
    try:
        with runtime.sessions() as session:
            scored = set(session.scalars(select(tables.ScoreRun.conversation_id)))
            agents = {c.id: c.agent_id for c in session.scalars(select(tables.Conversation))
                      if c.id in scored}
            teams = {a.id: a.team_id for a in session.scalars(select(tables.Agent))}
    finally:
        runtime.close()
    return agents, teams


SCOPED = {"supervisor": {"north"}, "sup_south": {"south"}, "agent": "n1", "agent_s1": "s1"}


def test_scoped_viewers_see_only_their_own(secure: SecureStore) -> None:
    agents, teams = _stored(secure)

    def admits(who: str, agent: str | None) -> bool:
        scope = SCOPED[who]
        if isinstance(scope, set):
            return agent is not None and teams.get(agent) in scope
        return agent == scope

    checks, wrong = 0, []

    def check(ok: bool, what: str) -> None:
        nonlocal checks
        checks += 1
        if not ok:
            wrong.append(what)

    for who in SCOPED:
        supervisor = isinstance(SCOPED[who], set)
        mine = {c for c, a in agents.items() if admits(who, a)}
        assert mine, f"{who} should see some conversations"
        listed = secure.call(who, "GET", "/v1/conversations", params={"limit": 500}).json()
        check({i["id"] for i in listed["items"]} == mine, f"{who}: conversation listing")
        for team in ("north", "south", "(none)"):
            page = secure.call(who, "GET", "/v1/conversations", params={"team": team}).json()
            check({i["id"] for i in page["items"]} <= mine, f"{who}: listing of team {team}")
        stats = secure.call(who, "GET", "/v1/agents").json()["agents"]
        check({a["agent_id"] for a in stats} == {agents[c] for c in mine}, f"{who}: agents")
        check(all(w["id"] in mine for a in stats for w in a["worst"]), f"{who}: agents' worst")
        for conversation, agent in agents.items():
            status = secure.call(who, "GET", f"/v1/conversations/{conversation}").status_code
            check(status == (200 if conversation in mine else 404),
                  f"{who}: conversation {conversation} of {agent}: {status}")
        audio = secure.call(who, "GET", f"/v1/conversations/{secure.audio_conversation}/audio")
        check(audio.status_code == (200 if secure.audio_conversation in mine else 404),
              f"{who}: audio {audio.status_code}")
        for agent in [*TEAMS, "(unknown)"]:
            status = secure.call(who, "GET", f"/v1/agents/{agent}").status_code
            check(status == (200 if admits(who, agent) else 404), f"{who}: agent {agent}")
        if supervisor:
            listing = secure.call(who, "GET", "/v1/teams").json()["teams"]
            check({t["team_id"] for t in listing} == SCOPED[who], f"{who}: teams")
            check({a for t in listing for a in t["agents"]}
                  == {a for a, t in teams.items() if t in SCOPED[who]}, f"{who}: members")
            for team in ("north", "south", "(none)"):
                status = secure.call(who, "GET", f"/v1/teams/{team}").status_code
                check(status == (200 if team in SCOPED[who] else 404), f"{who}: team {team}")
            lines = secure.call(who, "GET", "/v1/export", params={"format": "jsonl"}).text
            exported = {json.loads(line)["conversation_id"] for line in lines.splitlines()}
            check(exported == mine, f"{who}: export jsonl")
            csv_text = secure.call(who, "GET", "/v1/export").text
            check(len(csv_text.strip().splitlines()) == len(mine) + 1, f"{who}: export csv")
    other = secure.call("integration", "GET", f"/v1/jobs/{secure.other_job}").status_code
    check(other == 404, f"integration: another key's job answered {other}")
    print(f"\nscoping ({secure.backend}): {checks} checks, {len(wrong)} wrong")
    assert not wrong, "\n".join(wrong)


def test_out_of_scope_reads_are_audited_as_refused(secure: SecureStore) -> None:
    agents, _ = _stored(secure)
    south = next(c for c, a in agents.items() if a == "s1")
    assert secure.call("supervisor", "GET", f"/v1/conversations/{south}").status_code == 404
    events = secure.call("admin", "GET", "/v1/audit", params={
        "key_id": secure.key_ids["supervisor"], "object_type": "conversation",
        "object_id": str(south), "outcome": "refused"}).json()["items"]
    assert events and events[0]["status"] == 404
    assert events[0]["action"] == "GET /v1/conversations/{conversation_id}"
    assert events[0]["role"] == "supervisor"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_head_and_unknown_methods_do_not_bypass(secure: SecureStore, method: str) -> None:
    response = secure.client.request(method, "/v1/audit")
    assert response.status_code in (401, 405)
    assert admitted("HEAD", "/v1/audit") == ROUTE_ROLES[("GET", "/v1/audit")]


@pytest.mark.parametrize("body", [b"\x00", b"{not json", b"\xff\xfe"])
def test_no_body_is_read_before_the_key_is_checked(secure: SecureStore, body: bytes) -> None:
    """A caller the route does not admit is told so (401/403), not that its body is bad."""
    for who, expected in [(None, 401), ("supervisor", 403), ("ml", 403), ("admin", 422)]:
        headers = {"content-type": "application/json",
                   **({"Authorization": f"Bearer {secure.keys[who]}"} if who else {})}
        for path in ("/v1/rescore", "/v1/scorecards/default/versions"):
            answer = secure.client.post(path, content=body, headers=headers)
            assert answer.status_code == expected, (who, path, answer.text)


def test_many_audited_reads_at_once_all_answer(secure: SecureStore) -> None:
    """80 requests in flight, each holding a session and writing an audit event, more than the
    server's threads: none waits for a connection another holds (it did: 500 after 30 s)."""
    from concurrent.futures import ThreadPoolExecutor

    detail = f"/v1/conversations/{secure.audio_conversation}"
    with ThreadPoolExecutor(80) as pool:
        codes = list(pool.map(lambda _: secure.call("admin", "GET", detail).status_code,
                              range(80)))
        codes += list(pool.map(lambda _: secure.call("qa", "GET", "/v1/scorecards").status_code,
                               range(80)))
    assert codes == [200] * 160
