"""The agent and scorecard pages in a real browser (tests/api/web/browser.py's site and
chromium): the agent sees their own page with the trend drawn and the API's pass rates; QA
edits the scorecard, "Validate" lists the bad key beside its path and line (a click selects
the line) and keeps nothing, "Save" makes the next version. Screenshots as test_browser's."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.api.web.browser import Site, browser, page, sign_in, site

__all__ = ["browser", "page", "site"]  # the fixtures, used by name

pytestmark = pytest.mark.slow


def test_agent_sees_their_page(site: Site, page: Page) -> None:
    sign_in(site, page, "agent", "/agents")
    assert page.eval_on_selector_all("tr[data-agent]", "rows => rows.map(r => r.dataset.agent)"
                                     ) == ["a-sarah"]
    page.click("tr[data-agent='a-sarah'] a")
    page.wait_for_url("**/agents/a-sarah")
    found = site.api("/v1/agents/a-sarah", "agent")["agent"]
    assert page.locator("svg.trend circle.point").count() == len(
        [p for p in found["trend"] if p["mean"] is not None]) >= 1
    shown = page.eval_on_selector_all("tr[data-criterion]", """rows => Object.fromEntries(
        rows.map(r => [r.dataset.criterion, Number(r.cells[2].textContent)]))""")
    assert shown == found["applied"]
    site.shot(page, "21-agent-own-page")
    page.goto("/agents/nobody-else")
    assert page.inner_text("h1").startswith("404")


def test_qa_validates_then_saves_a_scorecard(site: Site, page: Page) -> None:
    sign_in(site, page, "qa", "/scorecards/default")
    before = [v["version"] for v in site.api("/v1/scorecards/default")["versions"]]
    text = page.input_value("#content")
    lines = text.splitlines()
    weight = next(i for i, line in enumerate(lines) if line.strip().startswith("weight:"))
    bad = "\n".join([*lines[:weight], lines[weight].split(":")[0] + ": -5", *lines[weight + 1:]])
    page.fill("#content", bad)
    page.click("[data-action=validate]")
    page.wait_for_selector("#problems li")
    problem = page.inner_text("#problems li")
    assert ".weight" in problem and f"(line {weight + 1})" in problem, problem
    page.click("#problems li")
    selected = page.evaluate("""() => { const a = document.getElementById("content");
                                return a.value.slice(a.selectionStart, a.selectionEnd); }""")
    assert selected.strip() == lines[weight].split(":")[0].strip() + ": -5"
    site.shot(page, "22-scorecard-validate-error")
    assert [v["version"] for v in site.api("/v1/scorecards/default")["versions"]] == before
    page.fill("#content", text + "\n# edited in the browser\n")
    with page.expect_navigation():  # saved: the page reloads
        page.click("[data-action=save]")
    assert page.inner_text("h1 .meta") == f"v{max(before) + 1}"
    after = site.api("/v1/scorecards/default")
    assert [v["version"] for v in after["versions"]] == [*before, max(before) + 1]
    assert after["content"].endswith("# edited in the browser\n")
    site.shot(page, "23-scorecard-saved")
