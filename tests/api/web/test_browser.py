"""The pages in a real browser (Debian's chromium, headless, by Playwright) on a real server
(`iqs serve` over a store filled by `iqs import` and `iqs keys create`; tests/api/web/browser.py):
a reviewer signs in, opens the queue and the flagged call, selects criteria and sees their
evidence lit in the right turns, seeks the recording by clicking a turn, corrects a criterion
(the effective score and the agreement numbers change); the agent disputes the review, QA
resolves it. Arabic turns render right to left; ?lang=ru shows the queue in Russian.

Every page visited is screenshotted into $IQS_SCREENSHOTS (a path, relative to the repository
root, e.g. `IQS_SCREENSHOTS=benchmarks/screenshots pytest tests/api/web/test_browser.py` to
keep them), else into the test's temporary folder."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.api.web.browser import Site, browser, page, sign_in, sign_out, site

__all__ = ["browser", "page", "site"]  # the fixtures, used by name

pytestmark = pytest.mark.slow


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _criterion(page: Page, name: str) -> None:
    page.click(f".criterion[data-criterion='{name}']")
    page.wait_for_selector(f".criterion.selected[data-criterion='{name}']")


def _lit(page: Page) -> list[dict[str, Any]]:
    """The lit evidence marks: their criteria, text and turn."""
    return page.eval_on_selector_all("mark.on", """marks => marks.map(m => ({
        criteria: m.dataset.criteria.split(" "), text: m.textContent,
        turn: Number(m.closest(".turn").id.replace("turn-", ""))}))""")


def _check_evidence(page: Page, shown: dict[str, Any], name: str) -> None:
    """Every lit mark carries `name`; each evidence span of `name` is lit in its turn."""
    lit = _lit(page)
    assert lit and all(name in mark["criteria"] for mark in lit), (name, lit)
    for item in shown["run"]["criteria"][name]["evidence"]:
        if item["turn"] is None or item["start"] is None:
            continue
        span = shown["turns"][item["turn"]]["text"][item["start"]:item["end"]]
        in_turn = "".join(m["text"] for m in lit if m["turn"] == item["turn"])
        assert span in in_turn, (name, item, in_turn)


AGREEMENT_CELLS = ("n", "agree_share", "accuracy", "kappa", "machine_passed_human_passed",
                   "machine_passed_human_failed", "machine_failed_human_passed",
                   "machine_failed_human_failed")
"""The numbers of a criterion's row on the agreement page, in order (the confusion last)."""


def _agreement(site: Site, page: Page, name: str, shot: str) -> dict[str, str]:
    """The agreement page's row of `name` (empty before any review), then back."""
    back = page.url
    page.goto("/agreement")
    site.shot(page, shot)
    row = page.locator(f"#criteria tr[data-row='{name}'] td.num")
    found = dict(zip(AGREEMENT_CELLS, row.all_inner_texts(), strict=True)) if row.count() else {}
    page.goto(back)
    return found


def test_review_dispute_and_resolution_in_the_browser(site: Site, page: Page) -> None:
    call = f"/conversations/{site.call}"
    shown = site.api(f"/v1/conversations/{site.call}")
    criteria = shown["run"]["criteria"]

    # Sign in with the reviewer's key; the queue lists the flagged call.
    sign_in(site, page, "qa", "/queue", shot="01-sign-in")
    assert page.locator(f"tr[data-item] a[href='{call}']").count() == 1
    site.shot(page, "02-queue-qa")

    # The call's page: selecting a criterion lights its evidence, another moves the light.
    page.click(f"tr[data-item] a[href='{call}']")
    page.wait_for_url(f"**{call}")
    evidenced = [n for n, c in criteria.items()
                 if any(e["turn"] is not None and e["start"] is not None for e in c["evidence"])]
    assert len(evidenced) >= 2, criteria
    first, second = evidenced[0], evidenced[1]
    _criterion(page, first)
    _check_evidence(page, shown, first)
    site.shot(page, f"03-call-evidence-{first}")
    _criterion(page, second)
    _check_evidence(page, shown, second)
    assert page.locator(".criterion.selected").count() == 1
    site.shot(page, f"04-call-evidence-{second}")

    # Clicking a timed turn seeks the recording to the turn's start.
    page.wait_for_function("document.querySelector('audio#recording').readyState >= 1")
    timed = [t for t in shown["turns"] if t["start"] is not None and t["start"] > 1]
    assert timed, "the call's turns carry no times"
    turn = shown["turns"].index(timed[len(timed) // 2])
    page.click(f"#turn-{turn} .who-said")
    now = page.evaluate("document.querySelector('audio#recording').currentTime")
    assert abs(now - timed[len(timed) // 2]["start"]) < 0.3, now

    # A correction: the first evidenced criterion to the opposite verdict, with a comment.
    before = _agreement(site, page, first, "05-agreement-before")
    machine = _number(page.inner_text("#machine-score"))
    assert _number(page.inner_text("#effective-score")) == machine
    passed = criteria[first]["passed"]
    row = page.locator(f"[data-review-criterion='{first}']")
    row.locator("select").select_option("fail" if passed else "pass")
    row.locator("input[type=number]").fill("0" if passed else "1")
    row.locator("input[type=text]").fill("the browser's correction")
    page.fill("textarea#note", "reviewed in chromium")
    page.click("form#review button[type=submit]")
    page.wait_for_selector(".review:has-text('reviewed in chromium')")
    effective = _number(page.inner_text("#effective-score"))
    assert effective != machine
    assert effective == pytest.approx(site.api(f"/v1/conversations/{site.call}")
                                      ["effective_score"], abs=0.01)
    review = int(page.get_attribute(".review", "id").removeprefix("review-"))  # type: ignore[union-attr]
    site.shot(page, "06-call-reviewed")
    after = _agreement(site, page, first, "07-agreement-after")
    cell = "machine_passed_human_failed" if passed else "machine_failed_human_passed"
    assert (int(after["n"]), int(after[cell])) == (int(before.get("n", 0)) + 1,
                                                  int(before.get(cell, 0)) + 1), (before, after)

    # The agent disputes the review.
    sign_out(page)
    sign_in(site, page, "agent", call)
    assert page.locator("form#review").count() == 0  # agents do not review
    page.fill(f"form[data-api='/v1/reviews/{review}/disputes'] textarea", "I did greet")
    page.click(f"form[data-api='/v1/reviews/{review}/disputes'] button")
    page.wait_for_selector(".dispute:has-text('I did greet')")
    dispute = page.locator(".dispute")
    assert "open" in dispute.inner_text() and dispute.locator("form").count() == 0
    site.shot(page, "08-call-disputed-agent")

    # QA resolves it: the dispute shows its comment, resolved, with the resolution.
    sign_out(page)
    sign_in(site, page, "qa", call)
    page.fill(".dispute form textarea", "kept: the greeting lacks the name")
    page.click(".dispute form button")
    page.wait_for_selector(".dispute:has-text('kept: the greeting lacks the name')")
    text = page.inner_text(".dispute")
    assert "resolved" in text and "I did greet" in text and page.locator(
        ".dispute form").count() == 0
    assert re.search(r"Dispute \d+", text)
    site.shot(page, "09-call-resolved-qa")


def test_arabic_turns_render_right_to_left(site: Site, page: Page) -> None:
    sign_in(site, page, "qa", f"/conversations/{site.arabic}")
    directions = page.eval_on_selector_all(
        ".turn .text", "texts => texts.map(t => getComputedStyle(t).direction)")
    assert directions == ["rtl"] * 3
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "ltr"
    site.shot(page, "10-arabic-chat")


def test_russian_queue(site: Site, page: Page) -> None:
    sign_in(site, page, "supervisor", "/queue")
    page.goto("/queue?lang=ru")
    assert page.get_attribute("html", "lang") == "ru"
    assert page.inner_text("h1") == "Очередь проверки"
    assert page.locator(f"tr[data-item] a[href='/conversations/{site.call}']").count() == 1
    site.shot(page, "11-queue-ru-supervisor")
