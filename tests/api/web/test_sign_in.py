"""Signing in to the pages with an API key: the cookies, the CSRF double submit on changes,
refusals as pages (303 to /sign-in, 403, 404), failed sign-ins rate-limited and audited,
open mode without sign-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.security.auth import CSRF_COOKIE, KEY_COOKIE
from api.settings import Settings
from api.store import tables
from api.web.pages import local_path
from tests.api.web.conftest import WebStore


def test_sign_in_sets_the_cookies_and_goes_to_next(web: WebStore) -> None:
    with web.client() as client:
        answer = client.post("/sign-in", data={"key": web.store.keys["qa"],
                                               "next": "/queue?state=open"})
        assert answer.status_code == 303 and answer.headers["location"] == "/queue?state=open"
        cookies = answer.headers.get_list("set-cookie")
        key_cookie = next(c for c in cookies if c.startswith(f"{KEY_COOKIE}="))
        csrf_cookie = next(c for c in cookies if c.startswith(f"{CSRF_COOKIE}="))
        assert "HttpOnly" in key_cookie and "SameSite=strict" in key_cookie
        assert "Secure" not in key_cookie  # plain http (the test server)
        assert "HttpOnly" not in csrf_cookie and "SameSite=strict" in csrf_cookie
        page = client.get("/queue")
        assert page.status_code == 200 and web.store.key_ids["qa"] in page.text
        token = client.cookies[CSRF_COOKIE]
        assert f'name="csrf" value="{token}"' in page.text  # the sign-out form carries it
        assert client.post("/sign-out", data={"csrf": "wrong"}).status_code == 403
        out = client.post("/sign-out", data={"csrf": token})
        assert out.status_code == 303 and out.headers["location"] == "/sign-in"
        assert KEY_COOKIE not in client.cookies
        again = client.get("/queue")
        assert again.status_code == 303 and again.headers["location"] == "/sign-in?next=%2Fqueue"


def test_cookies_are_secure_over_https(web: WebStore) -> None:
    with web.client() as client:
        client.base_url = "https://testserver"  # type: ignore[assignment]
        answer = client.post("/sign-in", data={"key": web.store.keys["qa"]})
        assert all("Secure" in c for c in answer.headers.get_list("set-cookie"))


def test_signed_out_pages_redirect_with_a_local_next(web: WebStore) -> None:
    with web.client() as client:
        conversation = f"/conversations/{web.store.audio_conversation}"
        answer = client.get(conversation, params={"lang": "ru"})
        assert answer.status_code == 303
        assert answer.headers["location"] == \
            f"/sign-in?next=%2Fconversations%2F{web.store.audio_conversation}%3Flang%3Dru"
        form = client.get("/sign-in", params={"next": "https://evil.example/x"})
        assert 'name="next" value=""' in form.text  # the key's home page
        kept = client.get("/sign-in", params={"next": "/queue?state=open"})
        assert 'href="/sign-in?next=%2Fqueue%3Fstate%3Dopen&amp;lang=ru"' in kept.text
        done = client.post("/sign-in", data={"key": web.store.keys["qa"],
                                             "next": "//evil.example"})
        assert done.headers["location"] == "/queue"
    assert local_path("/conversations/3?lang=ru") == "/conversations/3?lang=ru"
    for outside in ("//evil", "https://evil", "/\\evil", "evil", "/x\r\nSet-Cookie: a=b"):
        assert local_path(outside) == "/queue"


def test_changes_with_the_cookie_need_the_csrf_header(web: WebStore) -> None:
    client = web.signed_in("qa")
    with client:
        item = f"/v1/review-queue/{web.store.review_item}"
        refused = client.post(f"{item}/claim")
        assert refused.status_code == 403 and "x-csrf-token" in refused.json()["message"]
        forged = client.post(f"{item}/claim", headers={"X-CSRF-Token": "forged"})
        assert forged.status_code == 403
        token = {"X-CSRF-Token": client.cookies[CSRF_COOKIE]}
        claimed = client.post(f"{item}/claim", headers=token)
        assert claimed.status_code == 200 and claimed.json()["state"] == "claimed"
        assert client.post(f"{item}/release", headers=token).json()["state"] == "open"
        assert client.get("/v1/review-queue").status_code == 200  # reads need no token
    # a key header is not a cookie: no token needed (the API as before)
    with web.client() as api:
        answer = api.post(f"/v1/review-queue/{web.store.review_item}/release",
                          headers={"Authorization": f"Bearer {web.store.keys['qa']}"})
        assert answer.status_code == 200


def test_refusals_are_pages(web: WebStore) -> None:
    with web.signed_in("agent") as agent:
        wrong_role = agent.get("/queue")
        assert wrong_role.status_code == 403
        assert wrong_role.headers["content-type"].startswith("text/html")
        assert "<h1>403" in wrong_role.text and "may not open this page" in wrong_role.text
    south = _conversation_of(web, "s1")
    with web.signed_in("supervisor") as supervisor:
        hidden = supervisor.get(f"/conversations/{south}")
        assert hidden.status_code == 404 and "<h1>404" in hidden.text
        missing = supervisor.get("/conversations/999999")
        assert missing.status_code == 404 and "<h1>404" in missing.text
        bad = supervisor.get("/conversations/0")
        assert bad.status_code == 422 and "conversation_id" in bad.text
    with web.client() as admin:
        events = admin.get("/v1/audit", headers={
            "Authorization": f"Bearer {web.store.keys['admin']}"}, params={
            "key_id": web.store.key_ids["supervisor"], "object_id": str(south),
            "outcome": "refused"}).json()["items"]
        assert events and events[0]["action"] == "GET /conversations/{conversation_id}"


def test_failed_sign_ins_are_rate_limited_and_audited(web: WebStore) -> None:
    with web.client(refused_rate_limit="2/minute") as client:
        wrong = web.store.keys["qa"][:-4] + "AAAA"
        for _ in range(2):
            answer = client.post("/sign-in", data={"key": wrong})
            assert answer.status_code == 401 and "was not accepted" in answer.text
            assert KEY_COOKIE not in client.cookies
        limited = client.post("/sign-in", data={"key": wrong})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        # a right key is not refused for the failures before it
        assert client.post("/sign-in", data={"key": web.store.keys["qa"]}).status_code == 303
        events = client.get("/v1/audit", headers={
            "Authorization": f"Bearer {web.store.keys['admin']}"}, params={
            "action": "POST /sign-in"}).json()["items"]
    outcomes = [e["outcome"] for e in events]
    assert outcomes.count("refused") >= 3 and "allowed" in outcomes
    assert any("sign-in: API key not recognised" in (e["detail"].get("reason") or "")
               for e in events)
    assert any(e["key_id"] == web.store.key_ids["qa"] and e["outcome"] == "allowed"
               for e in events)


def test_open_mode_needs_no_sign_in(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, workers=0, bind_host="127.0.0.1")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        page = client.get("/queue")
        assert page.status_code == 200 and "open mode" in page.text
        assert "Nothing to review" in page.text
        assert "Sign out" not in page.text


def _conversation_of(web: WebStore, agent: str) -> int:
    runtime = web.store.session()
    try:
        with runtime.sessions() as session:
            return session.scalars(select(tables.Conversation.id).where(
                tables.Conversation.agent_id == agent)).first()  # type: ignore[return-value]
    finally:
        runtime.close()


@pytest.mark.parametrize("header", ["ru-RU,ru;q=0.9,en;q=0.5", "ru"])
def test_accept_language_picks_russian(web: WebStore, header: str) -> None:
    with web.client() as client:
        form = client.get("/sign-in", headers={"Accept-Language": header})
        assert '<html lang="ru"' in form.text and "Вставьте ваш API-ключ" in form.text
        assert re.search(r"<h1>Вход</h1>", form.text)
