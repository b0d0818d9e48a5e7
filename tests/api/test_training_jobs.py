"""Retraining from reviews through the served app, on SQLite and PostgreSQL: 24 chats whose
one agent turn either sends the customer off to do it themselves (the reviewers fail its
politeness: the house rule) or does it for them (passed); the shipped politeness model passes
nearly all of them. Reviews are posted through the API; `POST /v1/models/train` (ml key) runs
as a job in the server's embedded worker, trains a small politeness head into the server's
model registry and measures it on the held-back reviews beside the shipped model. A model
trained on the reviewers' rule agrees better and a scorecard may switch to it; one trained on
the opposite verdicts (the training share re-reviewed the other way round) agrees worse and
the switch is refused with both numbers. The export (API and CLI) gives the same lines."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import select

from api.jobs.runtime import Runtime
from api.jobs.training import split
from api.security.keys import create_key
from api.store import tables
from api.store.db import transaction
from scorer.scorecard import CONFIGS_DIR
from tests.api.helpers_store import chats_store, clean_env, iqs
from tests.api.serving import served
from training.labelled import read_reviews

SELF_SERVICE = [  # the reviewers fail these: the agent sends the customer off
    "You can track the parcel yourself on the website.",
    "Check the order page, the status is there.",
    "Look it up in the app, it shows the delivery date.",
    "The form is online, fill it in and send it.",
    "Read the FAQ, it explains the refund rules.",
    "Call the courier, they have the parcel now.",
    "Search the help centre for the returns label.",
    "Log in and change the address in your account.",
    "Use the chat bot for invoices.",
    "Reset the password with the link on the login page.",
    "Go to settings and cancel the subscription there.",
    "Download the invoice from your account page."]
DONE_FOR_THEM = [  # and pass these
    "I have tracked the parcel for you: it arrives tomorrow.",
    "I checked your order and the status is shipped.",
    "I looked it up for you, delivery is on Friday.",
    "I have filled in the form for you and sent it.",
    "I have started your refund; it will reach you in five days.",
    "I called the courier and they will deliver today.",
    "I have emailed you the returns label.",
    "I changed the address on your account for you.",
    "I have sent the invoice to your email.",
    "I reset your password and sent you the new link.",
    "I cancelled the subscription for you just now.",
    "I downloaded the invoice and attached it here."]
SEED, SHARE = 7, 0.3


def _chat(index: int) -> tuple[dict[str, Any], bool]:
    """A chat and the reviewers' politeness verdict on it."""
    texts = SELF_SERVICE if index % 2 else DONE_FOR_THEM
    record = {"id": f"train-{index:02d}", "channel": "chat", "agent_id": "a1",
              "start_time": f"2026-05-{1 + index:02d}T10:00:00Z",
              "turns": [{"role": "customer", "text": "Hello, I need help with my order."},
                        {"role": "agent", "text": texts[index // 2]}]}
    return record, index % 2 == 0


class Store:
    def __init__(self, client: httpx.Client, keys: dict[str, str], ids: dict[str, int],
                 env: dict[str, str]) -> None:
        self.client, self.keys, self.ids, self.env = client, keys, ids, env

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, path, headers={
            "Authorization": f"Bearer {self.keys[who]}"}, **kwargs)

    def review(self, external_ids: list[str], invert: bool = False, version: int = 1) -> None:
        for external_id in external_ids:
            passed = _chat(int(external_id.split("-")[1]))[1] != invert
            verdict = {"politeness": {"agree": False, "passed": passed}}
            answer = self.call("admin", "POST",
                               f"/v1/conversations/{self.ids[external_id]}/reviews",
                               params={"version": version}, json={"criteria": verdict})
            assert answer.status_code == 201, answer.text

    def train(self, name: str, version: int = 1) -> dict[str, Any]:
        answer = self.call("ml", "POST", "/v1/models/train", json={
            "task": "politeness", "criterion": "politeness", "name": name, "seed": SEED,
            "held_out_share": SHARE, "version": version})
        assert answer.status_code == 202, answer.text
        return self.wait("ml", answer.json()["id"])

    def wait(self, who: str, job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + 600
        while True:
            job: dict[str, Any] = self.call(who, "GET", f"/v1/jobs/{job_id}").json()
            if job["state"] in ("done", "failed") or time.monotonic() > deadline:
                return job
            time.sleep(1)

    def switch(self, model: str) -> httpx.Response:
        return self.call("admin", "POST", "/v1/scorecards/default/versions",
                         json={"content": _card(model)})


def _card(model: str) -> str:
    """The default scorecard with its politeness criterion reading `model`."""
    card = yaml.safe_load((CONFIGS_DIR / "default.yaml").read_text(encoding="utf-8"))
    card["criteria"]["politeness"]["params"]["model"] = model
    return str(yaml.safe_dump(card))


def _keys_and_ids(runtime: Runtime) -> tuple[dict[str, str], dict[str, int]]:
    keys = {}
    with transaction(runtime.sessions) as session:
        for role in ("admin", "ml", "supervisor"):
            teams = ["north"] if role == "supervisor" else []
            _, keys[role] = create_key(session, role, teams, None, role, None)
        ids = {c.external_id: c.id for c in session.scalars(select(tables.Conversation))}
    return keys, ids


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def trained_store(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    home = tmp_path_factory.mktemp(f"train-{request.param}")
    with chats_store(request.param, home, [_chat(i)[0] for i in range(24)]) as runtime:
        keys, ids = _keys_and_ids(runtime)
        url = runtime.settings.database
        env = {"IQS_DATABASE_URL": url, "IQS_MODELS_DIR": str(home / "models"),
               "IQS_WORKERS": "1", "IQS_REDACT": "false", "IQS_RATE_LIMIT": ""}
        with served(home, **env) as client:
            yield Store(client, keys, ids, {"IQS_HOME": str(home), **env})


def test_train_without_reviews_fails_clearly(trained_store: Store) -> None:
    for body, field in [({"criterion": "greeting"}, "task"), ({"criterion": "tone"}, "criterion"),
                        ({"task": "jargon"}, "task")]:
        answer = trained_store.call("ml", "POST", "/v1/models/train", json={
            "task": "politeness", "criterion": "politeness", "name": "x", **body})
        assert answer.status_code == 422 and field in answer.text, answer.text
    job = trained_store.train("polite-early")
    assert job["state"] == "failed"
    assert "no review gives politeness labels" in job["error"], job["error"]


def test_export_gives_the_reviewers_labels(trained_store: Store, tmp_path: Path) -> None:
    trained_store.review(sorted(trained_store.ids))
    answer = trained_store.call("ml", "GET", "/v1/reviews/export", params={"version": 1})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/x-ndjson")
    exported = tmp_path / "reviews.jsonl"
    exported.write_text(answer.text, encoding="utf-8")
    lines = read_reviews(exported)  # the file `iqs train --data` reads, checked line by line
    assert len(lines) == 24
    for _, line in lines:
        index = int(line.conversation.id.split("-")[1])
        assert line.labels.politeness is not None
        assert line.labels.politeness.turns == {"1": "polite" if _chat(index)[1]
                                                else "impolite"}
    assert trained_store.call("supervisor", "GET", "/v1/reviews/export").status_code == 403
    audited = trained_store.call("admin", "GET", "/v1/audit", params={"limit": 500}).json()
    reads = [e for e in audited["items"] if e["action"] == "GET /v1/reviews/export"]
    assert [e["outcome"] for e in reads] == ["refused", "allowed"]  # newest first
    cli_file = tmp_path / "cli.jsonl"
    done = iqs(["reviews", "export", "--out", str(cli_file), "--version", "1"],
               clean_env(**trained_store.env))
    assert done.returncode == 0, done.stderr
    assert cli_file.read_text(encoding="utf-8") == answer.text


def _comparison(store: Store, name: str) -> dict[str, Any]:
    model = store.call("ml", "GET", f"/v1/models/{name}").json()
    latest = model["versions"][-1]
    assert latest["trained_from_reviews"] and not latest["shipped"]
    comparison: dict[str, Any] = latest["review_comparison"]
    return comparison


def test_a_better_model_may_be_switched_to(trained_store: Store) -> None:
    job = trained_store.train("polite-house")
    assert job["state"] == "done", job["error"]
    assert job["model"] == "polite-house v1"
    comparison = _comparison(trained_store, "polite-house")
    assert comparison["held_back_reviews"] == 7 and comparison["trained_reviews"] == 17
    assert comparison["active"]["model"] == "politeness-minilm v1"
    assert comparison["new"]["n"] == comparison["active"]["n"] == 7
    assert comparison["new"]["kappa"] >= comparison["active"]["kappa"]
    assert comparison["new"]["task_metrics"]["n"] == 7
    print("house rule:", {k: comparison[k]["kappa"] for k in ("active", "new")})
    assert trained_store.switch("polite-house").status_code == 201


def test_a_worse_model_is_refused(trained_store: Store, tmp_path: Path) -> None:
    """Under version 2 (politeness by polite-house), the held-back conversations reviewed as
    before and the training share the other way round: the new model learns the opposite."""
    store = trained_store
    rescore = store.call("admin", "POST", "/v1/rescore", json={
        "version": 2, "conversation_ids": sorted(store.ids.values())})
    assert rescore.status_code == 202, rescore.text
    assert store.wait("admin", rescore.json()["id"])["state"] == "done"
    held = split(list(store.ids.values()), SHARE, SEED)
    store.review([e for e, i in store.ids.items() if i in held], version=2)
    store.review([e for e, i in store.ids.items() if i not in held], invert=True, version=2)
    job = store.train("polite-inverted", version=2)
    assert job["state"] == "done", job["error"]
    comparison = _comparison(store, "polite-inverted")
    assert comparison["active"]["model"] == "polite-house v1"
    new, active = comparison["new"]["kappa"], comparison["active"]["kappa"]
    print("inverted:", {"active": active, "new": new})
    assert new < active
    refused = trained_store.switch("polite-inverted")
    assert refused.status_code == 422
    message = refused.text
    assert "criteria.politeness.params.model" in message and "polite-inverted" in message
    assert f"{new:.3f}" in message and f"{active:.3f}" in message
    card = tmp_path / "inverted.yaml"
    card.write_text(_card("polite-inverted"), encoding="utf-8")
    checked = iqs(["scorecards", "--check", str(card)], clean_env(**store.env))
    assert checked.returncode == 2 and "lowers agreement" in checked.stderr, checked.stderr
    listed = {m["name"] for m in trained_store.call("admin", "GET", "/v1/models").json()}
    assert {"polite-house", "polite-inverted", "politeness-minilm"} <= listed
