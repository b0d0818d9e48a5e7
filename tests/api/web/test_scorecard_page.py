"""The scorecards' pages: the list and one scorecard as GET /v1/scorecards answers them (the
latest YAML in the editor); "Validate" answers each problem with its key's path and line and
keeps nothing (audited as a change); "Save" through POST /v1/scorecards/{name}/versions makes
version N+1; roles as the API's."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.web.yaml_lines import line_of
from scorer.scorecard import CONFIGS_DIR
from tests.api.web.conftest import WebStore
from tests.api.web.test_pages import api

DEFAULT = (CONFIGS_DIR / "default.yaml").read_text(encoding="utf-8")
BAD_WEIGHT = DEFAULT.replace("  greeting:\n    weight: 20\n", "  greeting:\n    weight: -5\n")
GREETING_WEIGHT_LINE = DEFAULT.splitlines().index("    weight: 20") + 1


def post(client: TestClient, path: str, content: str, csrf: bool = True) -> Any:
    headers = {"X-CSRF-Token": client.cookies["iqs_csrf"]} if csrf else {}
    return client.post(path, json={"content": content}, headers=headers)


def versions(client: TestClient, web: WebStore, who: str = "qa") -> list[int]:
    return [v["version"] for v in api(client, who, web, "/v1/scorecards/default")["versions"]]


def test_list_and_page_show_what_the_api_shows(web: WebStore) -> None:
    with web.signed_in("supervisor") as client:
        listing = client.get("/scorecards").text
        page = client.get("/scorecards/default").text
        cards = api(client, "supervisor", web, "/v1/scorecards")
        card = api(client, "supervisor", web, "/v1/scorecards/default")
    assert re.findall(r'<tr data-scorecard="([^"]+)">', listing) == [c["name"] for c in cards]
    editor = re.search(r'<textarea id="content"[^>]*>(.*?)</textarea>', page, re.S)
    assert editor is not None and html.unescape(editor.group(1)) == card["content"]
    assert " readonly>" in editor.group(0)  # a supervisor reads, may not save
    assert 'data-action="save"' not in page and 'data-action="validate"' not in page
    assert [int(v) for v in re.findall(r'<tr data-version="(\d+)">', page)] == sorted(
        (v["version"] for v in card["versions"]), reverse=True)


def test_validate_names_the_bad_weight_and_keeps_nothing(web: WebStore) -> None:
    with web.signed_in("qa") as client:
        before = versions(client, web)
        answer = post(client, "/scorecards/default/validate", BAD_WEIGHT)
        after = versions(client, web)
        page = client.get("/scorecards/default").text
        with web.signed_in("admin") as admin:
            audit = api(admin, "admin", web, "/v1/audit", object_type="scorecard",
                        object_id="default", key_id=web.store.key_ids["qa"])["items"]
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"valid": False, "problems": [
        {"field": "criteria.greeting.weight", "problem": "Input should be greater than 0",
         "line": GREETING_WEIGHT_LINE}]}
    assert after == before
    assert 'data-action="validate"' in page and 'data-action="save"' in page
    assert any(e["action"] == "POST /scorecards/{name}/validate" and e["outcome"] == "allowed"
               for e in audit)


@pytest.mark.parametrize("content,field,line,says", [
    (DEFAULT, None, None, None),
    (DEFAULT.replace("name: default", "name: other"), "name", 4, "called 'other'"),
    (DEFAULT.replace("  greeting:\n", "  greting:\n", 1), "criteria.greting", 22,
     "unknown criterion 'greting'"),
    (DEFAULT + "colour: blue\n", "colour", None, "Extra inputs are not permitted"),
    ("name: default\ncriteria: [\n", "", None, "not valid YAML"),
])
def test_validate_answers_each_problem_at_its_path(web: WebStore, content: str,
                                                   field: str | None, line: int | None,
                                                   says: str | None) -> None:
    with web.signed_in("admin") as client:
        found = post(client, "/scorecards/default/validate", content).json()
    if field is None:
        assert found == {"valid": True, "problems": []}
        return
    [problem] = found["problems"]
    assert not found["valid"] and problem["field"] == field and says in problem["problem"]
    if field == "colour":
        line = len(DEFAULT.splitlines()) + 1
    if field == "criteria.greting":
        line = DEFAULT.splitlines().index("  greeting:") + 1
    assert problem["line"] == line


def test_save_makes_the_next_version(web: WebStore) -> None:
    changed = DEFAULT.replace("pass_score: 80", "pass_score: 75")
    with web.signed_in("qa") as client:
        before = versions(client, web)
        refused = post(client, "/v1/scorecards/default/versions", changed, csrf=False)
        saved = post(client, "/v1/scorecards/default/versions", changed)
        again = post(client, "/v1/scorecards/default/versions", changed)
        bad = post(client, "/v1/scorecards/default/versions", BAD_WEIGHT)
        page = client.get("/scorecards/default").text
        after = versions(client, web)
    assert refused.status_code == 403
    assert saved.status_code == 201 and saved.json()["version"] == max(before) + 1
    assert again.json()["version"] == max(before) + 1  # the same text: the same version
    assert bad.status_code == 422 and "criteria.greeting.weight" in bad.json()["message"]
    assert after == [*before, max(before) + 1]
    assert f'<span class="meta">v{max(before) + 1}</span>' in page
    assert "pass_score: 75" in page


@pytest.mark.parametrize("who,method,path,status", [
    ("supervisor", "POST", "/scorecards/default/validate", 403),
    ("agent", "POST", "/scorecards/default/validate", 403),
    ("agent", "GET", "/scorecards", 200), ("ml", "GET", "/scorecards/default", 200),
    ("integration", "GET", "/scorecards", 403), ("qa", "GET", "/scorecards/nope", 404)])
def test_scorecard_pages_refuse_as_the_api(web: WebStore, who: str, method: str, path: str,
                                           status: int) -> None:
    with web.signed_in(who) as client:
        answer = (post(client, path, DEFAULT) if method == "POST" else client.get(path))
    assert answer.status_code == status
    if status != 200:
        assert f"<h1>{status}" in answer.text


def test_line_of_a_path() -> None:
    text = "name: x\ncriteria:\n  a:\n    weight: 1\n  b: {weight: 2}\nlist:\n  - one\n  - two\n"
    assert line_of(text, "criteria.a.weight") == 4
    assert line_of(text, "criteria.b.weight") == 5
    assert line_of(text, "criteria.c.weight") == 2  # not in the text: its parent's line
    assert line_of(text, "list.1") == 8
    assert line_of(text, "") is None and line_of(text, "(top level)") is None
    assert line_of("a: [", "a") is None
