"""A real site for the browser tests: a fresh store filled by `iqs import` (the bundled stereo
call, transcribed by the real ASR model, and an Arabic chat) under a copy of the default
scorecard whose flag rules queue every conversation, keys made by `iqs keys create` (qa, the
call's team supervisor, the call's agent, an admin that puts the agent in the team), served by
`iqs serve` on a free loopback port; and Debian's chromium, headless, driven by Playwright
(never a downloaded browser)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, sync_playwright

from tests.api.security_data import QUIET
from tests.api.serving import REPO, served
from tests.api.web.conftest import ARABIC

CHROMIUM = Path("/usr/bin/chromium")
CALL = REPO / "samples" / "calls" / "call-0001-stereo.flac"
TEAM = "east"


@dataclass
class Site:
    url: str
    keys: dict[str, str]
    """Key text by role: qa, supervisor, agent, admin."""
    call: int
    """The stereo call's conversation id."""
    arabic: int
    shots: Path

    def api(self, path: str, who: str = "admin") -> Any:
        answer = httpx.get(f"{self.url}{path}", timeout=30,
                           headers={"Authorization": f"Bearer {self.keys[who]}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def shot(self, page: Page, name: str) -> None:
        """A full-page screenshot of what the browser shows now, named by the step."""
        page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


def _iqs(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "scorer.cli", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _output(command: subprocess.Popen[str]) -> str:
    out, err = command.communicate(timeout=300)
    assert command.returncode == 0, f"{command.args!r}:\n{out}\n{err}"
    return out.strip()


def _start_filling(home: Path) -> tuple[str, dict[str, subprocess.Popen[str]]]:
    """The admin key (its command makes the store), then the import and the other keys
    started side by side (the set-up stays short; the server may start meanwhile)."""
    env = {**os.environ, "IQS_HOME": str(home), **QUIET}
    scorecard = yaml.safe_load((REPO / "configs" / "scorecards" / "default.yaml").read_text())
    scorecard["flags"].update(score_below=100, calibration_rate=1.0)  # queue everything
    (home / "scorecard.yaml").write_text(yaml.safe_dump(scorecard), encoding="utf-8")
    (home / "arabic.json").write_text(json.dumps([ARABIC], ensure_ascii=False), encoding="utf-8")
    admin = _output(_iqs(env, "keys", "create", "--role", "admin"))
    return admin, {
        "import": _iqs(env, "import", "--scorecard", str(home / "scorecard.yaml"), str(CALL),
                       str(CALL.with_suffix(".yaml")), str(home / "arabic.json")),
        "qa": _iqs(env, "keys", "create", "--role", "qa", "--name", "browser qa"),
        "supervisor": _iqs(env, "keys", "create", "--role", "supervisor", "--team", TEAM),
        "agent": _iqs(env, "keys", "create", "--role", "agent", "--agent", "a-sarah")}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("browser-site")
    admin_key, started = _start_filling(home)
    chosen = os.environ.get("IQS_SCREENSHOTS")
    shots = (REPO / chosen) if chosen else home / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with served(home, **QUIET) as client:
        assert "2 new" in _output(started.pop("import"))  # the call and the Arabic chat
        keys = {name: _output(command) for name, command in started.items()}
        keys["admin"] = admin_key
        admin = {"Authorization": f"Bearer {keys['admin']}"}
        assert client.patch("/v1/agents/a-sarah", json={"team": TEAM},
                            headers=admin).status_code == 200
        listed = client.get("/v1/conversations", headers=admin).json()["items"]
        by_channel = {item["channel"]: item["id"] for item in listed}
        yield Site(str(client.base_url).rstrip("/"), keys, by_channel["call"],
                   by_channel["chat"], shots)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package "
                    "(the set-up's system packages do; Playwright downloads no browser here)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the site."""
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(site: Site, page: Page, who: str, goal: str, shot: str | None = None) -> None:
    """Open `goal` signed out (sent to the form), sign in with `who`'s key, land on `goal`."""
    page.goto(goal)
    assert "/sign-in" in page.url
    page.fill("#key", site.keys[who])
    if shot:
        site.shot(page, shot)
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_url(f"**{goal}")


def sign_out(page: Page) -> None:
    page.click("form[action='/sign-out'] button")
    page.wait_for_url("**/sign-in**")
