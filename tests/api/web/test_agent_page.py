"""The agents' pages show GET /v1/agents's and GET /v1/agents/{id}'s numbers for the same key
(the listing, each criterion's pass rate with its n, the worst conversations, the weekly
trend's points on the plot), the reviews of the agent's conversations with their disputes,
and refuse as the API does: out of scope is a 404 page, a role without agents a 403 page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.web.i18n import Language
from api.web.plots import y_of
from tests.api.web.conftest import WebStore
from tests.api.web.test_pages import api

AGENT_ROW = re.compile(r'<tr data-agent="([^"]+)">')
RATE_ROW = re.compile(r'<tr data-criterion="([^"]+)"><td>[^<]*</td><td class="num">([^<]*)'
                      r'</td><td class="num">(\d+)</td></tr>')
POINT = re.compile(r'<circle class="point" cx="[\d.]+" cy="([\d.]+)"')


@pytest.mark.parametrize("who,params", [
    ("admin", {}), ("qa", {"since": "2026-03-02"}), ("supervisor", {}), ("sup_south", {}),
    ("agent", {}), ("integration", {"until": "2026-03-10"})])
def test_agents_listed_as_the_api_lists_them(web: WebStore, who: str,
                                             params: dict[str, str]) -> None:
    with web.signed_in(who) as client:
        page = client.get("/agents", params=params)
        assert page.status_code == 200, page.text
        expected = [a["agent_id"] for a in api(client, who, web, "/v1/agents", **params)
                    ["agents"]]
    assert AGENT_ROW.findall(page.text) == expected
    assert expected  # every key here sees someone
    if who == "agent":
        assert expected == ["n1"]
    if who == "sup_south":
        assert set(expected) == {"s1", "s2"}


@pytest.mark.parametrize("who", ["admin", "supervisor", "agent"])
def test_agent_page_shows_the_apis_numbers(web: WebStore, who: str) -> None:
    check_agent_page(web, who)


def test_agent_page_on_postgresql(web_pg: WebStore) -> None:
    check_agent_page(web_pg, "supervisor")


def check_agent_page(web: WebStore, who: str) -> None:
    with web.signed_in(who) as client:
        page = client.get("/agents/n1")
        found: dict[str, Any] = api(client, who, web, "/v1/agents/n1")["agent"]
    assert page.status_code == 200, page.text
    english = Language("en")
    rates = {name: (rate, int(n)) for name, rate, n in RATE_ROW.findall(page.text)}
    assert rates == {name: (english.percent(rate), found["applied"][name])
                     for name, rate in found["pass_rates"].items()}
    assert len(rates) >= 4 and rates["greeting"][1] == found["n"] == 4
    for worst in found["worst"]:
        assert f'<a href="/conversations/{worst["id"]}">{worst["external_id"]}</a>' in page.text
    assert f'<strong id="agent-n">{found["n"]}</strong>' in page.text
    # n1's chats: 1 March (a Sunday: the week of 23 February), 2 and 3 March, and the Arabic
    # chat of 20 March: three weeks with a score and a gap (the week of 9 March)
    weeks = [p for p in found["trend"] if p["mean"] is not None]
    assert [p["week"] for p in found["trend"]] == ["2026-02-23", "2026-03-02", "2026-03-16"]
    assert POINT.findall(page.text) == [f"{y_of(p['mean']):.1f}" for p in weeks]
    assert ">23 Feb</text>" in page.text and ">9 Mar</text>" in page.text


def test_agent_page_lists_the_reviews_and_disputes(web: WebStore) -> None:
    with web.signed_in("agent") as client:
        disputed = client.post(f"/v1/reviews/{web.store.review}/disputes",
                               json={"comment": "I did greet"},
                               headers={"X-CSRF-Token": client.cookies["iqs_csrf"]})
        assert disputed.status_code == 201, disputed.text
        conversations = api(client, "agent", web, "/v1/conversations")["items"]
        reviews = [r for c in conversations for r in api(
            client, "agent", web, f"/v1/conversations/{c['id']}/reviews")["reviews"]]
        page = client.get("/agents/n1").text
    assert reviews
    shown = [int(i) for i in re.findall(r'<tr data-review="(\d+)">', page)]
    assert shown == sorted((r["id"] for r in reviews), reverse=True)
    dispute = disputed.json()["id"]
    assert f'data-dispute="{dispute}">Dispute {dispute}: open</span>' in page
    external = {c["id"]: c["external_id"] for c in conversations}
    reviewed = external[web.store.audio_conversation]
    assert (f'href="/conversations/{web.store.audio_conversation}#review-{web.store.review}">'
            f'{reviewed}</a>') in page


@pytest.mark.parametrize("who,path,status", [
    ("agent", "/agents/s1", 404), ("agent_s1", "/agents/n1", 404),
    ("supervisor", "/agents/s1", 404), ("sup_south", "/agents/x1", 404),
    ("admin", "/agents/nobody", 404), ("ml", "/agents", 403), ("ml", "/agents/n1", 403),
    ("agent_s1", "/agents/s1", 200), ("admin", "/agents/x1", 200)])
def test_agent_pages_refuse_as_the_api(web: WebStore, who: str, path: str,
                                       status: int) -> None:
    with web.signed_in(who) as client:
        page = client.get(path)
        answer = client.get("/v1" + path,
                            headers={"Authorization": f"Bearer {web.store.keys[who]}"})
    assert page.status_code == answer.status_code == status
    if status != 200:
        assert f"<h1>{status}" in page.text


def test_agent_page_in_russian(web: WebStore) -> None:
    with web.signed_in("admin") as client:
        page = client.get("/agents/n1", params={"lang": "ru"}).text
        bad = client.get("/agents/n1", params={"since": "yesterday"})
    assert "Доля успешных по критериям" in page and ">23 февр.</text>" in page
    assert bad.status_code == 422 and "since" in bad.text
