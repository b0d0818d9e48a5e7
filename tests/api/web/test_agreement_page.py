"""The agreement page shows GET /v1/agreement's numbers for the same key, period and version
(overall, per criterion, per reviewer: n, share marked agree, accuracy, Cohen's kappa or why it
is undefined, the confusion matrix), after reviews that agree and reviews that correct."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.web.agreement import kappa_notes
from api.web.i18n import Language
from tests.api.web.conftest import WebStore
from tests.api.web.test_pages import api

ROW = re.compile(r'<tr data-row="([^"]+)">(.*?)</tr>\s*(?=<tr data-row|</tbody>)', re.S)
CELL = re.compile(r'<td class="num[^"]*">(.*?)</td>', re.S)


def review(client: TestClient, web: WebStore, who: str, external_id: str,
           criteria: dict[str, Any]) -> None:
    """A review by `who` of the conversation through the API, with the page's csrf header."""
    found = api(client, who, web, "/v1/conversations", agent_id=external_id.split("-")[0])
    conversation = next(c for c in found["items"] if c["external_id"] == external_id)
    detail = api(client, who, web, f"/v1/conversations/{conversation['id']}")
    answer = client.post(f"/v1/conversations/{conversation['id']}/reviews",
                         json={"run_id": detail["run"]["id"], "criteria": criteria},
                         headers={"X-CSRF-Token": client.cookies["iqs_csrf"]})
    assert answer.status_code == 201, answer.text


@pytest.fixture(scope="module")
def reviewed(web: WebStore) -> WebStore:
    """Reviews by qa (north and south) and the north supervisor, agreeing and correcting."""
    with web.signed_in("qa") as client:
        review(client, web, "qa", "s1-0", {"greeting": {"agree": True},
                                           "farewell": {"agree": False, "passed": False}})
        review(client, web, "qa", "n2-1", {"greeting": {"agree": False, "passed": False},
                                           "politeness": {"agree": True}})
    with web.signed_in("supervisor") as client:
        review(client, web, "supervisor", "n1-2", {"greeting": {"agree": False,
                                                                "passed": True}})
    return web


def expected_cells(a: dict[str, Any], language: Language, notes: dict[str, str]) -> list[str]:
    c = a["confusion"]
    kappa = (language.number(a["kappa"], 3) if a["kappa"] is not None
             else f'<span class="meta kappa-note" title="{a["kappa_note"]}">'
                  f'{notes.get(a["kappa_note"], a["kappa_note"])}</span>')
    return [str(a["n"]), language.percent(a["agree_share"]), language.percent(a["accuracy"]),
            kappa, str(c["machine_passed_human_passed"]), str(c["machine_passed_human_failed"]),
            str(c["machine_failed_human_passed"]), str(c["machine_failed_human_failed"])]


def rows(section: str) -> dict[str, list[str]]:
    """The numeric cells of each row (unescaped)."""
    return {name: [html.unescape(c) for c in CELL.findall(body)]
            for name, body in ROW.findall(section)}


@pytest.mark.parametrize("who,params,lang", [
    ("admin", {}, "en"), ("qa", {"since": "2026-03-05"}, "ru"), ("supervisor", {}, "en"),
    ("sup_south", {}, "en"), ("admin", {"version": "1", "until": "2026-03-04"}, "en")])
def test_agreement_page_shows_the_apis_numbers(reviewed: WebStore, who: str,
                                               params: dict[str, str], lang: str) -> None:
    found = check_agreement_page(reviewed, who, params, lang)
    if who == "admin" and not params:
        assert found["reviews"] >= 4 and len(found["reviewers"]) == 3
        assert any(a["kappa"] is None for a in found["criteria"])  # a note is shown too
    if who == "sup_south":
        assert [r["reviewer_key_id"] for r in found["reviewers"]] == [
            reviewed.store.key_ids["qa"]]


def test_agreement_page_on_postgresql(web_pg: WebStore) -> None:
    assert check_agreement_page(web_pg, "supervisor", {}, "en")["reviews"] == 1


def check_agreement_page(reviewed: WebStore, who: str, params: dict[str, str],
                         lang: str) -> Any:
    """The page's numbers are the API's; the API's answer."""
    language = Language(lang)
    notes = kappa_notes(language)
    with reviewed.signed_in(who) as client:
        page = client.get("/agreement", params={**params, "lang": lang})
        found = api(client, who, reviewed, "/v1/agreement", **params)
    assert page.status_code == 200, page.text
    text = page.text
    start = text.index('id="overall"')
    overall = text[start:text.index("<h2>", start)]
    assert rows(overall)["overall"] == [str(found["reviews"]),
                                        *expected_cells(found["overall"], language, notes)]
    per_criterion = text[text.index('id="criteria"'):] if found["criteria"] else ""
    assert rows(per_criterion.split("</tbody>")[0] + "</tbody>") == {
        a["criterion"]: expected_cells(a, language, notes) for a in found["criteria"]}
    sections = re.findall(r'<section class="card reviewer" data-reviewer="([^"]*)">(.*?)</section>',
                          text, re.S)
    assert [key for key, _ in sections] == [r["reviewer_key_id"] or ""
                                            for r in found["reviewers"]]
    for (_, body), reviewer in zip(sections, found["reviewers"], strict=True):
        assert rows(body) == {"overall": expected_cells(reviewer["overall"], language, notes),
                              **{a["criterion"]: expected_cells(a, language, notes)
                                 for a in reviewer["criteria"]}}
    return found


@pytest.mark.parametrize("who", ["agent", "ml", "integration"])
def test_agreement_page_refused_as_the_api(web: WebStore, who: str) -> None:
    with web.signed_in(who) as client:
        page = client.get("/agreement")
    assert page.status_code == 403 and "<h1>403" in page.text


def test_unknown_version_is_a_404_page(web: WebStore) -> None:
    with web.signed_in("qa") as client:
        page = client.get("/agreement", params={"version": "99"})
    assert page.status_code == 404 and "version 99 not found" in page.text
