"""A blind calibration session in a real browser (tests/api/web/browser.py's site): QA makes it
on /calibration from the form (the call by its external id, QA and the team's supervisor
ticked), each reviews the call from the session's page without seeing the other's review,
QA closes it and the report shows the API's numbers. Also: an agent signing in without a
target lands on their own page; the conversation page labels the machine's and the
effective verdicts apart. Screenshots as test_browser.py takes them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.api.web.browser import Site, browser, page, sign_in, sign_out, site

__all__ = ["browser", "page", "site"]  # the fixtures, used by name
pytestmark = pytest.mark.slow


def _key_id(key: str) -> str:
    return key.split("_")[1]


def _review_in_session(site: Site, page: Page, session_url: str, verdict: str,
                       shot: str) -> None:
    """From the session's page, open the call and send a review correcting `greeting`."""
    page.goto(session_url)
    page.locator(f"#conversations a[href$='calibration={session_url.rsplit('/', 1)[1]}']"
                 ).first.click()
    page.wait_for_selector("#calibration-banner")
    assert page.locator(".review").count() == 0  # blind: no other review is shown
    row = page.locator("[data-review-criterion='greeting']")
    row.locator("select").select_option(verdict)
    page.fill("textarea#note", f"calibration: {verdict}")
    site.shot(page, f"{shot}-form")
    page.click("form#review button[type=submit]")
    page.wait_for_selector("#reviewed-in-session")
    assert page.locator(".review").count() == 1
    assert page.inner_text(".review").count("calibration:") == 1
    site.shot(page, shot)


def test_a_blind_calibration_session_in_the_browser(site: Site, page: Page) -> None:
    call = site.api(f"/v1/conversations/{site.call}")
    sign_in(site, page, "qa", "/calibration")
    page.fill("#session-name", "browser calibration")
    page.fill("#session-conversations", call["external_id"])
    for who in ("qa", "supervisor"):
        page.check(f"input[name=reviewer_key_ids][value='{_key_id(site.keys[who])}']")
    site.shot(page, "c01-calibration-form")
    page.click("form#new-session button[type=submit]")
    page.wait_for_url("**/calibration/*")
    session_url = page.url.split("?")[0]
    session_id = int(session_url.rsplit("/", 1)[1])
    stored = site.api(f"/v1/calibration-sessions/{session_id}")
    assert stored["conversations"] == [site.call] and stored["state"] == "open"
    site.shot(page, "c02-session-open")
    _review_in_session(site, page, session_url, "fail", "c03-call-qa-review")
    sign_out(page)
    sign_in(site, page, "supervisor", session_url)
    assert page.locator("#session-reviews").count() == 0  # QA's review stays hidden
    assert page.locator("#close-session").count() == 0
    _review_in_session(site, page, session_url, "pass", "c04-call-supervisor-review")
    sign_out(page)
    sign_in(site, page, "qa", session_url)
    assert page.locator("#session-reviews tr[data-review]").count() == 1  # still blind
    page.click("#close-session")
    page.wait_for_selector("#report")
    assert page.locator("#session-reviews tr[data-review]").count() == 2
    report = site.api(f"/v1/calibration-sessions/{session_id}", "qa")["report"]
    greeting = next(c for c in report["criteria"] if c["criterion"] == "greeting")
    row = page.locator("#report tr[data-criterion='greeting']")
    assert row.locator("td.kappa").first.inner_text() == (
        f"{greeting['fleiss_kappa']:g}" if greeting["fleiss_kappa"] is not None
        else greeting["fleiss_note"])
    site.shot(page, "c05-session-closed-report")
    page.goto("/calibration")
    assert page.locator(f"tr[data-session='{session_id}']").count() == 1
    site.shot(page, "c06-calibration-list")
    page.goto("/agreement")
    assert page.locator(f"#sessions tr[data-session='{session_id}']").count() == 1
    site.shot(page, "c07-agreement-sessions")


def test_verdicts_and_the_agents_landing_page(site: Site, page: Page) -> None:
    page.goto("/sign-in")
    page.fill("#key", site.keys["agent"])
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_url("**/agents/a-sarah")
    assert page.locator("h1").count() == 1
    site.shot(page, "c08-agent-landing")
    sign_out(page)
    sign_in(site, page, "qa", f"/conversations/{site.call}")
    shown = site.api(f"/v1/conversations/{site.call}")
    machine = "pass" if shown["run"]["passed"] else "fail"
    assert page.inner_text("#machine-verdict") == machine
    effective = shown["review"]["passed"] if shown["review"] else shown["run"]["passed"]
    assert page.inner_text("#effective-verdict") == ("pass" if effective else "fail")
    site.shot(page, "c09-call-verdicts-and-form")
