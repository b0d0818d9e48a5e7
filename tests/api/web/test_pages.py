"""The queue and conversation pages show what the API answers for the same key: the queue's
items and filters, the transcript with its evidence marks, the recording, right-to-left
Arabic turns, Russian text and formats, reviews with their disputes; the page's script flow
(review, dispute, resolve through the API with the csrf header) leaves what the page shows."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

import pytest
from babel.dates import format_datetime
from babel.numbers import format_decimal
from fastapi.testclient import TestClient

from api.security.auth import CSRF_COOKIE
from api.web.evidence import Span, pieces
from tests.api.web.conftest import WebStore

ITEM = re.compile(r'<tr data-item="(\d+)">')
MARK = re.compile(r'<mark data-criteria="([^"]+)">([^<]*)</mark>')


def api(client: TestClient, who: str, web: WebStore, path: str, **params: Any) -> Any:
    """The API's answer to the same key (by its header)."""
    answer = client.get(path, params=params,
                        headers={"Authorization": f"Bearer {web.store.keys[who]}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("who", ["admin", "supervisor", "sup_south"])
@pytest.mark.parametrize("filters", [{}, {"sort": "score"}, {"state": "open"},
                                     {"reason": "critical_failure"}, {"team": "south"},
                                     {"agent_id": "n1"}, {"state": "reviewed"},
                                     {"sort": "score", "limit": "2"}])
def test_queue_lists_what_the_api_lists(web: WebStore, who: str,
                                        filters: dict[str, str]) -> None:
    with web.signed_in(who) as client:
        page = client.get("/queue", params=filters)
        assert page.status_code == 200
        expected = [i["id"] for i in api(client, who, web, "/v1/review-queue", **filters)
                    ["items"]]
        assert [int(i) for i in ITEM.findall(page.text)] == expected
        if who == "admin" and not filters:
            assert len(expected) >= 6  # every agent's greeting-less chat is queued


def test_queue_rows_link_and_act(web: WebStore) -> None:
    with web.signed_in("supervisor") as client:
        items = api(client, "supervisor", web, "/v1/review-queue")["items"]
        text = client.get("/queue").text
    first = items[0]
    assert f'href="/conversations/{first["conversation_id"]}"' in text
    assert f'data-post="/v1/review-queue/{first["id"]}/claim"' in text
    assert "critical failure" in text and 'src="/static/iqs.js"' in text
    assert "https://" not in text  # nothing from elsewhere: IQS runs offline


def test_conversation_page_marks_the_evidence(web: WebStore) -> None:
    conversation = web.store.audio_conversation
    with web.signed_in("qa") as client:
        text = client.get(f"/conversations/{conversation}").text
        shown = api(client, "qa", web, f"/v1/conversations/{conversation}")
    run = shown["run"]
    marks = MARK.findall(text)
    assert marks, "no evidence marks"
    marked = {name for names, _ in marks for name in names.split()}
    spanned = {name for name, c in run["criteria"].items()
               if any(e["turn"] is not None for e in c["evidence"])}
    assert marked == spanned
    for name in spanned:  # each span's text is inside one of the criterion's marks
        for item in run["criteria"][name]["evidence"]:
            if item["start"] is not None:
                span = shown["turns"][item["turn"]]["text"][item["start"]:item["end"]]
                joined = "".join(html.unescape(t) for names, t in marks
                                 if name in names.split())
                assert span in joined, (name, span)
        assert f'data-criterion="{name}"' in text
    assert f'<strong id="machine-score">{_number(run["score"])}</strong>' in text
    assert f'<strong id="effective-score">{_number(shown["effective_score"])}</strong>' in text
    assert f'<audio id="recording" controls preload="metadata" ' \
           f'src="/v1/conversations/{conversation}/audio">' in text
    assert "model: dialog-acts-minilm" in text or "formula: greeting." in text


def test_the_audio_plays_with_the_cookie(web: WebStore) -> None:
    with web.signed_in("agent") as client:
        audio = client.get(f"/v1/conversations/{web.store.audio_conversation}/audio",
                           headers={"Range": "bytes=0-99"})
        assert audio.status_code == 206 and len(audio.content) == 100


def test_pieces_cut_overlapping_spans() -> None:
    cut = pieces("Good morning, Anna here", [Span(0, 12, "greeting"), Span(5, 23, "tone")])
    assert [(p.text, p.criteria) for p in cut] == [
        ("Good ", ("greeting",)), ("morning", ("greeting", "tone")), (", Anna here", ("tone",))]


def test_arabic_turns_are_right_to_left(web: WebStore) -> None:
    with web.signed_in("agent") as client:
        text = client.get(f"/conversations/{web.arabic}").text
    assert '<html lang="en" dir="ltr">' in text  # the chrome: the interface language's
    turns = re.findall(r'<div class="text" dir="(\w+)" lang="(\w+)">', text)
    assert len(turns) == 3 and set(turns) == {("rtl", "ar")}
    assert "طلبي لم يصل بعد." in text
    with web.signed_in("agent") as client:
        english = client.get(f"/conversations/{web.store.audio_conversation}").text
    assert 'dir="rtl"' not in english


def test_russian_pages(web: WebStore) -> None:
    with web.signed_in("supervisor") as client:
        page = client.get("/queue", params={"lang": "ru"})
        assert '<html lang="ru" dir="ltr">' in page.text and "Очередь проверки" in page.text
        assert client.cookies["iqs_lang"] == "ru"
        later = client.get(f"/conversations/{web.store.audio_conversation}")  # remembered
        assert "Расшифровка" in later.text and "Итоговая оценка" in later.text
        item = api(client, "supervisor", web, "/v1/review-queue")["items"][0]
    occurred = datetime.fromisoformat(item["occurred_at"])
    assert format_datetime(occurred, "medium", locale="ru") in page.text


def test_review_dispute_and_resolution_through_the_pages(web: WebStore) -> None:
    conversation = web.arabic
    with web.signed_in("supervisor") as supervisor:
        page = supervisor.get(f"/conversations/{conversation}").text
        assert 'id="review"' in page and "Dispute</button>" not in page
        run = int(re.search(r'data-run="(\d+)"', page).group(1))  # type: ignore[union-attr]
        body = {"run_id": run, "note": "checked by the page test",
                "criteria": {"greeting": {"agree": False, "passed": False, "score": 0.0,
                                          "comment": "no name"}}}
        posted = f"/v1/conversations/{conversation}/reviews"
        assert supervisor.post(posted, json=body).status_code == 403  # no csrf header
        review = supervisor.post(posted, json=body, headers=_csrf(supervisor))
        assert review.status_code == 201, review.text
        review_id = review.json()["id"]
        after = supervisor.get(f"/conversations/{conversation}").text
        assert f'id="review-{review_id}"' in after and "checked by the page test" in after
        shown = api(supervisor, "supervisor", web, f"/v1/conversations/{conversation}")
        assert f'<strong id="effective-score">{_number(shown["effective_score"])}</strong>' \
            in after
    with web.signed_in("agent") as agent:
        page = agent.get(f"/conversations/{conversation}").text
        assert f'data-api="/v1/reviews/{review_id}/disputes"' in page
        assert 'id="review"' not in page  # agents do not review
        dispute = agent.post(f"/v1/reviews/{review_id}/disputes", json={"comment": "I did"},
                             headers=_csrf(agent))
        assert dispute.status_code == 201
        dispute_id = dispute.json()["id"]
        assert f"/v1/disputes/{dispute_id}/resolve" not in agent.get(
            f"/conversations/{conversation}").text
    with web.signed_in("qa") as qa:
        page = qa.get(f"/conversations/{conversation}").text
        assert f'id="dispute-{dispute_id}"' in page and "I did" in page
        assert f'data-api="/v1/disputes/{dispute_id}/resolve"' in page
        resolved = qa.post(f"/v1/disputes/{dispute_id}/resolve",
                           json={"resolution": "kept"}, headers=_csrf(qa))
        assert resolved.status_code == 200
        page = qa.get(f"/conversations/{conversation}").text
        assert f'data-api="/v1/disputes/{dispute_id}/resolve"' not in page and "kept" in page


def test_pages_on_postgresql(web_pg: WebStore) -> None:
    with web_pg.signed_in("supervisor") as client:
        page = client.get("/queue", params={"sort": "score"})
        expected = [i["id"] for i in api(client, "supervisor", web_pg, "/v1/review-queue",
                                         sort="score")["items"]]
        assert expected and [int(i) for i in ITEM.findall(page.text)] == expected
        conversation = client.get(f"/conversations/{web_pg.arabic}").text
        assert MARK.search(conversation) and 'dir="rtl" lang="ar"' in conversation


def _csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies[CSRF_COOKIE]}


def _number(value: float | None) -> str:
    """As the English page writes a score (Babel, two decimals at most)."""
    return "–" if value is None else format_decimal(round(value, 2), format="#,##0.##",
                                                    locale="en")
