"""Reviews → labelled transcripts (training/from_reviews.py over api/store/queries/
training_data.py) on real stored reviews, on SQLite and PostgreSQL: chats ingested and scored
through the real ingest path under the default scorecard, reviewed with the store's review
function; the lines are read back by the labelled-transcripts reader `iqs train` uses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.jobs.runtime import Runtime
from api.store import tables
from api.store.db import transaction
from api.store.queries import reviews
from api.store.queries.filters import EVERYTHING, Scope
from api.store.queries.training_data import labelled_lines
from api.store.scorecards import find_version
from tests.api.helpers_store import chats_store
from training.labelled import labelled_set, read_reviews

GREET = "Good morning, my name is Lena, how can I help you?"
BYE = "Thank you for contacting us, is there anything else? Have a nice day!"
MIDDLE = {"rude": "That's not my problem, ask the courier.",
          "kind": "I'm so sorry about that, let me check it right away."}
AGREE = reviews.CriterionVerdict(agree=True)


def _chat(external_id: str, agent: str, middle: str) -> dict[str, Any]:
    return {"id": external_id, "channel": "chat", "agent_id": agent,
            "start_time": "2026-06-01T10:00:00Z",
            "turns": [{"role": "agent", "text": GREET},
                      {"role": "customer", "text": "My order never arrived."},
                      {"role": "agent", "text": MIDDLE[middle]},
                      {"role": "agent", "text": BYE}]}


CHATS = [_chat("rude-1", "a1", "rude"), _chat("kind-1", "a1", "kind"),
         _chat("kind-2", "a2", "kind"), _chat("rude-2", "a2", "rude"),
         _chat("kind-3", "a2", "kind")]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    home = tmp_path_factory.mktemp(f"from-reviews-{request.param}")
    with chats_store(request.param, home, CHATS) as runtime:
        _review(runtime)
        yield runtime


def _review(runtime: Runtime) -> None:
    """rude-1: agreed (politeness failed on the rude turn), first corrected to passed;
    kind-1: greeting corrected to failed; kind-2: politeness corrected by score (0.9,
    passed); rude-2: politeness corrected to passed; kind-3: empathy and jargon only."""
    plan: list[tuple[str, dict[str, reviews.CriterionVerdict]]] = [
        ("rude-1", {"politeness": reviews.CriterionVerdict(agree=False, passed=True)}),
        ("rude-1", {"politeness": AGREE, "greeting": AGREE, "farewell": AGREE}),
        ("kind-1", {"politeness": AGREE, "farewell": AGREE,
                    "greeting": reviews.CriterionVerdict(agree=False, passed=False)}),
        ("kind-2", {"politeness": reviews.CriterionVerdict(agree=False, score=0.9)}),
        ("rude-2", {"politeness": reviews.CriterionVerdict(agree=False, passed=True)}),
        ("kind-3", {"empathy": AGREE, "jargon": AGREE}),
    ]
    with transaction(runtime.sessions) as session:
        version_id = find_version(session, "default").id
        ids = {c.external_id: c.id for c in session.scalars(select(tables.Conversation))}
        for external_id, verdicts in plan:
            run = reviews.review_run(session, ids[external_id], version_id, None)
            reviews.add_review(session, ids[external_id], run, verdicts, None, None, "admin")


def _lines(runtime: Runtime, scope: Scope = EVERYTHING) -> dict[str, dict[str, Any]]:
    with runtime.sessions() as session:
        version = find_version(session, "default")
        return {str(line["conversation"]["id"]): line  # type: ignore[index]
                for _, line in labelled_lines(session, version, scope)}


def test_labels_follow_the_effective_verdicts(runtime: Runtime) -> None:
    lines = _lines(runtime)
    assert set(lines) == {"rude-1", "kind-1", "kind-2", "rude-2"}  # kind-3 gives no labels
    rude = lines["rude-1"]["labels"]
    # The latest review agreed with the machine's failure: only the rude turn is impolite.
    assert rude["politeness"] == {"turns": {"2": "impolite"}}
    assert rude["dialog_acts"] == {"turns": {"0": "greeting", "3": "closing"}}
    kind = lines["kind-1"]["labels"]
    assert kind["politeness"] == {"turns": {"0": "polite", "2": "polite", "3": "polite"}}
    assert kind["dialog_acts"] == {"turns": {"3": "closing"}}  # a failed greeting: none
    assert lines["kind-2"]["labels"] == {
        "politeness": {"turns": {"0": "polite", "2": "polite", "3": "polite"}}}
    assert lines["rude-2"]["labels"]["politeness"]["turns"]["2"] == "polite"
    assert lines["rude-1"]["conversation"]["turns"][2]["text"] == MIDDLE["rude"]


def test_lines_are_labelled_transcripts(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in _lines(runtime).values()),
                    encoding="utf-8")
    assert len(read_reviews(path)) == 4
    politeness = labelled_set("politeness", path)
    assert sorted(politeness.labels) == ["impolite"] + ["polite"] * 9
    acts = labelled_set("dialog-acts", path)
    assert sorted(acts.labels) == ["closing", "closing", "greeting"]


def test_scope_limits_the_lines(runtime: Runtime) -> None:
    assert set(_lines(runtime, Scope(agent_id="a2"))) == {"kind-2", "rude-2"}
