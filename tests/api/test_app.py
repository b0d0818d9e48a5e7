"""The HTTP API through its HTTP interface: `iqs serve` in its own process, real requests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.api.serving import served

CONVERSATION = {
    "id": "api-1", "agent_id": "a-7", "channel": "chat", "turns": [
        {"role": "agent", "text": "Good morning, my name is Lena, how can I help you?",
         "start": 0, "end": 2},
        {"role": "customer", "text": "My order never arrived, this is unacceptable!",
         "start": 10, "end": 12},
        {"role": "agent", "text": "I'm so sorry about that, let me check it right away.",
         "start": 20, "end": 22},
        {"role": "agent", "text": "It is on its way. Is there anything else I can help you "
                                  "with? Have a nice day!", "start": 60, "end": 62},
    ]}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with served(tmp_path_factory.mktemp("iqs-home")) as client:
        yield client


def test_health(api: httpx.Client) -> None:
    body = api.get("/health").json()
    assert body["status"] == "ok"
    assert {"greeting", "farewell", "politeness", "jargon", "empathy",
            "response_time"} <= set(body["criteria"])
    assert body["languages"] == ["en", "ar", "fa", "ms", "uz", "mn", "ru"]


def test_scorecards(api: httpx.Client) -> None:
    cards = {c["name"]: c for c in api.get("/v1/scorecards").json()}
    assert cards["default"]["criteria"]["greeting"]["critical"] is True


def test_score_a_conversation(api: httpx.Client) -> None:
    response = api.post("/v1/score", json=CONVERSATION)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == "api-1" and body["language"] == "en"
    assert body["criteria"]["empathy"]["score"] == 1.0
    assert [e["turn"] for e in body["criteria"]["empathy"]["evidence"]] == [1, 2]
    greeting = body["criteria"]["greeting"]["evidence"]
    assert "my name is Lena" in [e["text"] for e in greeting]
    assert body["criteria"]["response_time"]["applicable"]
    assert 0 <= body["score"] <= 100


@pytest.mark.parametrize(("change", "status", "message"), [
    (lambda c: c["turns"][1].update(role="client"), 422, "turns.1.role"),
    (lambda c: c.pop("turns"), 422, "turns: Field required"),
    (lambda c: c["turns"][0].update(start=5, end=1), 422, "turns.0: Value error, turn ends"),
    (lambda c: c.update(id=""), 422, "id: String should have at least 1 character"),
])
def test_invalid_conversations_name_the_field(api: httpx.Client, change, status: int,  # type: ignore[no-untyped-def]
                                              message: str) -> None:
    conversation = json.loads(json.dumps(CONVERSATION))
    change(conversation)
    response = api.post("/v1/score", json=conversation)
    assert response.status_code == status
    assert message in response.json()["message"]


def test_malformed_json_unknown_scorecard_and_oversized_body(api: httpx.Client) -> None:
    broken = api.post("/v1/score", content=b'{"id": "x", "turns": [',
                      headers={"content-type": "application/json"})
    assert broken.status_code == 422 and "invalid JSON" in broken.json()["message"]
    unknown = api.post("/v1/score", params={"scorecard": "nope"}, json=CONVERSATION)
    assert unknown.status_code == 404 and "'nope' not found" in unknown.json()["message"]
    huge = api.post("/v1/score", content=b" " * (6 * 1024 * 1024),
                    headers={"content-type": "application/json"})
    assert huge.status_code == 413 and "exceeds the limit" in huge.json()["message"]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_pages_load_everything_from_the_server(api: httpx.Client, page: str) -> None:
    """IQS runs offline: the OpenAPI pages name no other host, and what they load is served."""
    html = api.get(page)
    assert html.status_code == 200
    links = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', html.text)
    links += re.findall(r"url: ['\"]([^'\"]+)['\"]", html.text)
    assert links and not [u for u in links if u.startswith(("http:", "https:", "//"))], links
    for url in links:
        assert api.get(url).status_code == 200, url
