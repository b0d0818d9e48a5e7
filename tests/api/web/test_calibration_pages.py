"""The calibration pages against the real app: a session made from the page's form (the API's
function: its checks, its audit event), two reviewers reviewing blind through the pages'
routes (neither sees the other's review on the session page nor on the conversation page),
the report after closing with the API's numbers, and the refusals."""

from __future__ import annotations

import re
from typing import Any

from babel.numbers import format_decimal, format_percent
from fastapi.testclient import TestClient

from api.web.i18n import Language
from api.web.kappa import kappa_notes
from tests.api.web.conftest import WebStore
from tests.api.web.test_pages import _csrf, api

SESSION_ROW = re.compile(r'<tr data-session="(\d+)">')


def conversation_ids(client: TestClient, web: WebStore, who: str, *external: str) -> list[int]:
    """The ids of conversations by external id, as the API lists them."""
    listed = api(client, who, web, "/v1/conversations", limit=200)["items"]
    by_external = {item["external_id"]: item["id"] for item in listed}
    return [by_external[e] for e in external]


def create(client: TestClient, web: WebStore, name: str, conversations: str,
           *reviewers: str, **headers: str) -> Any:
    return client.post("/calibration", params={"scorecard": "default"},
                       json={"name": name, "conversations": conversations,
                             "reviewer_key_ids": [web.store.key_ids[r] for r in reviewers]},
                       headers={**_csrf(client), "Accept": "application/json", **headers})


def review(client: TestClient, session_id: int, conversation: int, passed: bool) -> int:
    """The review the conversation page's form posts inside the session (its data-api)."""
    page = client.get(f"/conversations/{conversation}", params={"calibration": session_id}).text
    route = f"/v1/calibration-sessions/{session_id}/reviews/{conversation}"
    assert f'data-api="{route}"' in page
    run = int(re.search(r'data-run="(\d+)"', page).group(1))  # type: ignore[union-attr]
    answer = client.post(route, headers=_csrf(client), json={
        "run_id": run, "criteria": {"greeting": {"agree": False, "passed": passed},
                                    "politeness": {"agree": True}}})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def shown_reviews(text: str) -> set[int]:
    """Review ids a page shows: cards of the conversation page, rows of the session page."""
    return {int(i) for i in re.findall(r'(?:id="review-|data-review=")(\d+)"', text)}


def test_a_session_from_the_form(web: WebStore) -> None:
    with web.signed_in("qa") as qa:
        form = qa.get("/calibration").text
        assert 'id="new-session"' in form
        for who in ("admin", "qa", "supervisor", "sup_south"):  # reviewing roles, active
            assert f'value="{web.store.key_ids[who]}"' in form
        for who in ("agent", "ml", "integration", "expired", "revoked"):
            assert f'value="{web.store.key_ids[who]}"' not in form
        first, second = conversation_ids(qa, web, "qa", "n1-0", "n2-1")
        made = create(qa, web, "form session", f"{first}, n2-1", "qa", "supervisor")
        assert made.status_code == 201, made.text
        session_id = made.json()["id"]
        stored = api(qa, "qa", web, f"/v1/calibration-sessions/{session_id}")
        assert stored["conversations"] == [first, second] and stored["state"] == "open"
        assert {r["key_id"] for r in stored["reviewers"]} == {
            web.store.key_ids["qa"], web.store.key_ids["supervisor"]}
        listed = qa.get("/calibration").text
        assert str(session_id) in SESSION_ROW.findall(listed)
        audit = api(qa, "admin", web, "/v1/audit", action="calibration_session.create")
        assert any(e["object_id"] == str(session_id) for e in audit["items"])
        assert str(session_id) in SESSION_ROW.findall(qa.get("/agreement").text)


def test_the_form_refuses_bad_input(web: WebStore) -> None:
    with web.signed_in("qa") as qa:
        before = len(api(qa, "qa", web, "/v1/calibration-sessions")["sessions"])
        unknown = create(qa, web, "bad", "no-such-chat", "qa", "supervisor")
        assert unknown.status_code == 422 and "conversations" in unknown.json()["message"]
        alone = create(qa, web, "bad", "n1-0", "qa")
        assert alone.status_code == 422 and "reviewer_key_ids" in alone.json()["message"]
        outside = create(qa, web, "bad", "s1-0", "qa", "supervisor")  # north's supervisor
        assert outside.status_code == 422 and "does not lead" in outside.json()["message"]
        no_csrf = qa.post("/calibration", json={"name": "x", "conversations": "n1-0",
                                                "reviewer_key_ids": []})
        assert no_csrf.status_code == 403
        assert len(api(qa, "qa", web, "/v1/calibration-sessions")["sessions"]) == before
    with web.signed_in("supervisor") as supervisor:
        assert 'id="new-session"' not in supervisor.get("/calibration").text
        refused = create(supervisor, web, "mine", "n1-0", "qa", "supervisor")
        assert refused.status_code == 403 and "supervisor" in refused.json()["message"]
    with web.signed_in("agent") as agent:
        page = agent.get("/calibration")
        assert page.status_code == 403 and "<h1>403" in page.text
        assert 'href="/calibration"' not in agent.get("/agents/n1").text  # not in the nav


def test_two_reviewers_review_blind(web: WebStore) -> None:
    with web.signed_in("qa") as qa, web.signed_in("supervisor") as supervisor:
        first, second = conversation_ids(qa, web, "qa", "n1-1", "n2-0")
        session_id = create(qa, web, "blind", f"{first} {second}", "qa",
                            "supervisor").json()["id"]
        effective = api(qa, "qa", web, f"/v1/conversations/{first}")["effective_score"]
        by_supervisor = review(supervisor, session_id, first, passed=False)
        by_qa = review(qa, session_id, first, passed=True)
        review(qa, session_id, second, passed=True)
        for client, own, other in ((qa, by_qa, by_supervisor), (supervisor, by_supervisor, by_qa)):
            pages = [client.get(f"/calibration/{session_id}").text,
                     client.get(f"/conversations/{first}", params={"calibration": session_id}
                                ).text,
                     client.get(f"/conversations/{first}").text]
            for text in pages:
                assert other not in shown_reviews(text)
            assert own in shown_reviews(pages[0]) and own in shown_reviews(pages[1])
            assert 'id="no-report"' in pages[0] and 'id="report"' not in pages[0]
            assert 'id="review"' not in pages[1]  # reviewed once: no second form
            assert 'id="reviewed-in-session"' in pages[1]
        assert 'id="close-session"' in qa.get(f"/calibration/{session_id}").text
        assert 'id="close-session"' not in supervisor.get(f"/calibration/{session_id}").text
        assert supervisor.post(f"/v1/calibration-sessions/{session_id}/close",
                               headers=_csrf(supervisor)).status_code == 403
        # calibration reviews leave the conversation's effective score alone
        assert api(qa, "qa", web, f"/v1/conversations/{first}")["effective_score"] == effective
        closed = qa.post(f"/v1/calibration-sessions/{session_id}/close", headers=_csrf(qa))
        assert closed.status_code == 200
        for client, who in ((qa, "qa"), (supervisor, "supervisor")):
            text = client.get(f"/calibration/{session_id}").text
            assert {by_qa, by_supervisor} <= shown_reviews(text)
            report = api(client, who, web, f"/v1/calibration-sessions/{session_id}")["report"]
            assert_report(text, report)
        criteria = {c["criterion"]: c for c in report["criteria"]}
        # one conversation rated by both: opposite greeting verdicts, the same politeness
        assert criteria["greeting"]["subjects"] == 1
        assert criteria["greeting"]["fleiss_kappa"] == -1.0
        assert criteria["politeness"]["fleiss_kappa"] is None
        assert NOTES[criteria["politeness"]["fleiss_note"]] in text


NOTES = kappa_notes(Language("en"))
"""The API's reasons for an undefined kappa as the English page words them."""


def assert_report(text: str, report: dict[str, Any]) -> None:
    """The page's report table holds the API's numbers, as the English page writes them."""
    assert f'<span id="report-conversations">{len(report["conversations"])}</span>' in text
    rows = dict(re.findall(r'<tr data-criterion="([^"]+)">(.*?)</table></td>', text, re.S))
    assert set(rows) == {c["criterion"] for c in report["criteria"]}
    for c in report["criteria"]:
        row = rows[c["criterion"]]
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert cells[:2] == [str(c["subjects"]), str(c["reviewers"])]
        fleiss = (format_decimal(round(c["fleiss_kappa"], 3), "#,##0.###", locale="en")
                  if c["fleiss_kappa"] is not None else NOTES[c["fleiss_note"]])
        assert fleiss in row
        for m in c["against_majority"]:
            accuracy = "–" if m["accuracy"] is None else format_percent(
                m["accuracy"], "#,##0.#%", locale="en")
            assert re.search(rf'<tr data-reviewer="{m["reviewer_key_id"]}"><td>[^<]*</td>'
                             rf'<td class="num">{m["n"]}</td><td class="num">{accuracy}</td>',
                             row), (c["criterion"], m)
            if m["kappa"] is None:
                assert NOTES[m["kappa_note"]] in row


def test_who_may_see_a_session(web: WebStore) -> None:
    with web.signed_in("qa") as qa:
        session_id = create(qa, web, "scoped", "n1-2", "qa", "supervisor").json()["id"]
    with web.signed_in("sup_south") as south:  # not a reviewer of it
        assert str(session_id) not in SESSION_ROW.findall(south.get("/calibration").text)
        page = south.get(f"/calibration/{session_id}")
        assert page.status_code == 404 and "<h1>404" in page.text
    with web.signed_in("admin") as admin:  # a manager outside the session: the report now
        text = admin.get(f"/calibration/{session_id}").text
        assert 'id="report"' in text and 'id="close-session"' in text
        conversation = conversation_ids(admin, web, "admin", "n1-2")[0]
        assert admin.get(f"/conversations/{conversation + 1}",
                         params={"calibration": session_id}).status_code == 404


def test_the_effective_verdict_after_a_correcting_review(web: WebStore) -> None:
    with web.signed_in("qa") as qa:
        failing = conversation_ids(qa, web, "qa", "n2-0")[0]
        shown = api(qa, "qa", web, f"/v1/conversations/{failing}")
        assert shown["run"]["passed"] is False and shown["review"] is None
        page = qa.get(f"/conversations/{failing}").text
        assert '<strong id="machine-verdict"><span class="fail">fail</span></strong>' in page
        assert '<strong id="effective-verdict"><span class="fail">fail</span></strong>' in page
        corrections = {name: {"agree": False, "passed": True, "score": 1.0}
                       for name, c in shown["run"]["criteria"].items()
                       if c["applicable"] and not c["passed"]}
        corrected = qa.post(f"/v1/conversations/{failing}/reviews", headers=_csrf(qa), json={
            "run_id": shown["run"]["id"], "criteria": corrections})
        assert corrected.status_code == 201 and corrected.json()["passed"] is True
        page = qa.get(f"/conversations/{failing}").text
        assert '<strong id="machine-verdict"><span class="fail">fail</span></strong>' in page
        assert '<strong id="effective-verdict"><span class="pass">pass</span></strong>' in page


def test_each_role_lands_on_a_page_it_may_see(web: WebStore) -> None:
    homes = {"agent": "/agents/n1", "ml": "/scorecards", "integration": "/agents",
             "supervisor": "/queue", "qa": "/queue"}
    for who, home in homes.items():
        with web.client() as client:
            form = client.get("/sign-in").text
            assert 'name="next" value=""' in form
            answer = client.post("/sign-in", data={"key": web.store.keys[who], "next": ""})
            assert answer.status_code == 303 and answer.headers["location"] == home, who
            landed = client.get(home)
            assert landed.status_code == 200, (who, landed.text[:300])
            assert f'<a class="brand" href="{home}">' in landed.text


def test_calibration_pages_on_postgresql(web_pg: WebStore) -> None:
    with web_pg.signed_in("qa") as qa, web_pg.signed_in("supervisor") as supervisor:
        first = conversation_ids(qa, web_pg, "qa", "n1-0")[0]
        made = create(qa, web_pg, "postgresql", "n1-0", "qa", "supervisor")
        assert made.status_code == 201, made.text
        session_id = made.json()["id"]
        by_qa = review(qa, session_id, first, passed=True)
        by_supervisor = review(supervisor, session_id, first, passed=False)
        assert by_qa not in shown_reviews(supervisor.get(f"/calibration/{session_id}").text)
        assert qa.post(f"/v1/calibration-sessions/{session_id}/close",
                       headers=_csrf(qa)).status_code == 200
        text = supervisor.get(f"/calibration/{session_id}").text
        assert {by_qa, by_supervisor} <= shown_reviews(text)
        assert_report(text, api(supervisor, "supervisor", web_pg,
                                f"/v1/calibration-sessions/{session_id}")["report"])
