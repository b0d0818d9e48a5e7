"""Scoring in worker processes (scorer/parallel.py) on real conversations: the bundled samples
and the shared ABCD and Harper Valley samples, with the shipped models."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from models.encoders import clear_memo
from models.heads.classifier import _default_cache
from scorer.conversation import Conversation
from scorer.parallel import ScoringError, score_batch, score_chunk, score_in_workers
from scorer.readers import read_paths
from scorer.scorecard import load_scorecard, parse_scorecard
from scorer.scoring import Scorer

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).parents[2] / "samples" / "chats"
CHUNK = 4  # small chunks, so that a dozen conversations make several tasks


@pytest.fixture
def conversations(shared_corpus) -> list[Conversation]:
    batch = read_paths([SAMPLES, shared_corpus("abcd_sample") / "abcd_sample.json",
                        shared_corpus("harper_valley_sample")])
    assert not batch.failures
    assert len({c.source for c in batch.conversations}) >= 6
    return batch.conversations


@pytest.fixture
def cache_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """`cache_in(name)`: an empty embedding cache file and memo from now on, in this process
    and in the workers spawned after (they inherit the environment)."""
    def use(name: str) -> Path:
        monkeypatch.setenv("IQS_CACHE_DIR", str(tmp_path / name))
        _default_cache.cache_clear()
        clear_memo()
        return tmp_path / name / "embeddings.sqlite"

    yield use
    _default_cache.cache_clear()
    clear_memo()


def worker_processes() -> list[psutil.Process]:
    """This process's spawned children (multiprocessing's resource tracker aside)."""
    return [child for child in psutil.Process().children()
            if "spawn_main" in " ".join(child.cmdline())]


def rows_per_model(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return dict(connection.execute(
            "SELECT model_id, COUNT(*) FROM embeddings GROUP BY model_id").fetchall())


def test_two_workers_score_exactly_as_one_process(conversations, cache_in) -> None:
    card = load_scorecard("default")
    workers_cache = cache_in("workers")  # two processes write one cold cache file
    parallel = [s.model_dump(mode="json") for s in
                score_in_workers(conversations, card, None, 2, chunk_size=CHUNK)]
    here_cache = cache_in("here")
    scorer = Scorer(card)
    here = [s.model_dump(mode="json") for start in range(0, len(conversations), CHUNK)
            for s in score_chunk(scorer, conversations[start:start + CHUNK])]
    assert [s["id"] for s in parallel] == [c.id for c in conversations]  # input order
    assert parallel == here
    # The workers stored every vector once, as the one process did: the same rows per model.
    assert rows_per_model(workers_cache) == rows_per_model(here_cache) != {}


FORMULAS_ONLY = parse_scorecard({"name": "formulas", "criteria": {
    "greeting": {"weight": 1, "params": {"model": None}},
    "farewell": {"weight": 1, "params": {"model": None}}}}, "inline")


def broken(conversation: Conversation) -> Conversation:
    """A conversation no reader makes (a turn without text, validation bypassed as a caller
    handing over its own objects could): scoring it raises."""
    turns = [conversation.turns[0].model_copy(update={"text": None}), *conversation.turns[1:]]
    return conversation.model_copy(update={"turns": turns, "source": "broken/chat.json"})


def test_a_conversation_that_fails_in_a_worker_is_named_with_its_file(conversations) -> None:
    batch = [*conversations[:5], broken(conversations[5]), *conversations[6:]]
    with pytest.raises(ScoringError) as raised:
        list(score_in_workers(batch, FORMULAS_ONLY, None, 2, chunk_size=CHUNK))
    assert raised.value.location == "broken/chat.json"
    assert repr(conversations[5].id) in raised.value.message
    assert not worker_processes()  # the pool is gone, not hung
    # In this process the same error names the same conversation.
    with pytest.raises(ScoringError) as here:
        list(score_batch(batch, Scorer(FORMULAS_ONLY), workers=1))
    assert (here.value.location, here.value.message) == (raised.value.location,
                                                          raised.value.message)


def test_a_small_batch_is_scored_without_worker_processes(conversations) -> None:
    scorer = Scorer(FORMULAS_ONLY)
    scores = score_batch(conversations, scorer, workers=2)
    first = next(scores)
    assert not worker_processes()
    assert [first.id, *(s.id for s in scores)] == [c.id for c in conversations]
