"""Scorecard versions and rescoring: a new version is validated and kept beside the old, and a
rescore adds runs without touching earlier ones."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, select

from api.store import tables
from tests.api.serving import served
from tests.api.test_ingest import _conversation


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("iqs-home")


@pytest.fixture(scope="module")
def api(home: Path) -> Iterator[httpx.Client]:
    with served(home) as client:
        yield client


def _runs(home: Path) -> list[tuple[int, int, float | None, str | None]]:
    engine = create_engine(f"sqlite:///{home / 'iqs.db'}")
    with engine.connect() as connection:
        rows = connection.execute(select(
            tables.ScoreRun.conversation_id, tables.ScorecardVersion.version,
            tables.ScoreRun.score, tables.ScoreRun.job_id).join(tables.ScorecardVersion)
            .order_by(tables.ScoreRun.id)).all()
    engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_new_version_rescored_keeps_the_old_runs(api: httpx.Client, home: Path) -> None:
    ingested = api.post("/v1/conversations",
                        json=[_conversation(n) for n in range(3)]).json()["conversation_ids"]
    before = _runs(home)
    assert [r[1] for r in before] == [1, 1, 1]

    card = api.get("/v1/scorecards/default").json()
    content = yaml.safe_load(card["content"])
    content["criteria"].pop("response_time")
    content["criteria"]["greeting"]["weight"] = 60
    text = yaml.safe_dump(content, allow_unicode=True)
    created = api.post("/v1/scorecards/default/versions", json={"content": text})
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 2 and "response_time" not in created.json()["criteria"]
    same = api.post("/v1/scorecards/default/versions", json={"content": text}).json()
    assert [v["version"] for v in same["versions"]] == [1, 2]

    job = api.post("/v1/rescore", json={"scorecard": "default", "version": 2,
                                        "conversation_ids": ingested}).json()
    deadline = time.monotonic() + 120
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = api.get(f"/v1/jobs/{job['id']}").json()
    assert job["state"] == "done" and job["progress_done"] == 3
    after = _runs(home)
    assert after[:3] == before  # the version 1 runs are untouched
    assert sorted(r[0] for r in after[3:]) == sorted(ingested)
    assert {r[1] for r in after[3:]} == {2} and {r[3] for r in after[3:]} == {job["id"]}


@pytest.mark.parametrize(("content", "status", "message"), [
    ("name: default\ncriteria: {greeting: {weight: -1}}\n", 422,
     "criteria.greeting.weight: Input should be greater than 0"),
    ("name: default\ncriteria: {smiling: {weight: 1}}\n", 422, "unknown criterion 'smiling'"),
    ("name: other\ncriteria: {greeting: {weight: 1}}\n", 422, "called 'other', not 'default'"),
    ("name: [unclosed\n", 422, "not valid YAML"),
])
def test_invalid_versions_are_refused(api: httpx.Client, content: str, status: int,
                                      message: str) -> None:
    response = api.post("/v1/scorecards/default/versions", json={"content": content})
    assert response.status_code == status, response.text
    assert message in response.json()["message"]


def test_rescore_of_unknown_conversations_or_scorecards(api: httpx.Client) -> None:
    missing = api.post("/v1/rescore", json={"conversation_ids": [999999]})
    assert missing.status_code == 404 and "999999" in missing.json()["message"]
    unknown = api.post("/v1/rescore", json={"scorecard": "nope"})
    assert unknown.status_code == 404 and "'nope' not found" in unknown.json()["message"]
    extra = api.post("/v1/rescore", json={"scorecrd": "default"})
    assert extra.status_code == 422 and "scorecrd" in extra.json()["message"]
