"""The browser half of benchmarks/review_e2e.py: Debian's chromium, headless, driven by
Playwright, signs in through /sign-in with the reviewer's key and submits each judgement
through the conversation page's review form (never the JSON API), then screenshots the pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Judgement:
    """What the reviewer says about one conversation, in the form's terms."""

    conversation_id: int
    verdicts: dict[str, str]
    """criterion -> "agree", "pass" or "fail" (the form's select values)."""
    comments: dict[str, str]
    note: str
    left_out: list[str] = field(default_factory=list)
    """Criteria the form cannot say (the reviewer: not applicable; the machine judged)."""


@contextmanager
def signed_in(base: str, key: str) -> Iterator[Page]:
    """A headless chromium page on `base`, signed in through /sign-in with `key`."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
            context.set_default_timeout(30_000)
            page = context.new_page()
            page.goto("/queue")
            assert "/sign-in" in page.url, page.url
            page.fill("#key", key)
            page.click("form[action='/sign-in'] button[type=submit]")
            page.wait_for_url("**/queue")
            yield page
        finally:
            browser.close()


def submit(page: Page, judgement: Judgement) -> None:
    """Fill the conversation page's review form and submit it; return once the reloaded page
    shows the review."""
    page.goto(f"/conversations/{judgement.conversation_id}")
    assert page.locator(".card.review").count() == 0, "already reviewed"
    for name in judgement.left_out:
        # The form has no "not applicable" correction and always sends every row: a row the
        # reviewer cannot say is taken out of the form, so the review leaves that criterion out.
        page.eval_on_selector(f"[data-review-criterion='{name}']", "row => row.remove()")
    for name, verdict in judgement.verdicts.items():
        row = page.locator(f"[data-review-criterion='{name}']")
        row.locator("select").select_option(verdict)
        if judgement.comments.get(name):
            row.locator("input[type=text]").fill(judgement.comments[name][:2000])
    if judgement.note:
        page.fill("textarea#note", judgement.note[:5000])
    page.click("form#review button[type=submit]")
    page.wait_for_selector(".card.review")  # the page reloads once the API has stored it


def shoot(page: Page, path: Path, goal: str, select: str | None = None) -> None:
    """A screenshot of `goal` (its visible part; full pages of long lists are megabytes),
    with criterion `select` selected where given."""
    page.goto(goal)
    if select:
        page.click(f".criterion[data-criterion='{select}']")
        page.wait_for_selector(f".criterion.selected[data-criterion='{select}']")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
