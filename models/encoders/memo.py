"""A per-process memory of vectors already computed.

Several criteria encode the same turns (politeness and the dialog-act models read the agent's
turns with the same encoder), and a batch scores many conversations whose turns the encoder
computes fastest in large, length-sorted batches. `MemoEncoder` keeps the last vectors of each
encoder in memory, so a repeated text costs a dictionary look-up, not an encoder call (nor a
SQLite query). The scorer encodes the texts criteria declare ahead of time through it
(`Criterion.encodings`), so their own calls later find them here.

A vector in the memo is the very array the encoder returned, so reading it back changes
nothing; only the batch a text is first computed in differs, as with the SQLite cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from models.encoders.base import TextEncoder

MEMO_SIZE = 20_000
"""Vectors kept per encoder (30 MB at 384 dimensions): several batches' worth of turns."""


class _Store:
    """The last `size` vectors of one encoder, least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self.lock:
            for text in texts:
                vector = self.vectors.get(text)
                if vector is not None:
                    self.vectors.move_to_end(text)
                    found[text] = vector
        return found

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        with self.lock:
            for text, vector in zip(texts, vectors, strict=True):
                # A copy, so that one kept row does not keep its whole batch alive.
                self.vectors[text] = np.array(vector, dtype=np.float32)
                self.vectors.move_to_end(text)
            while len(self.vectors) > self.size:
                self.vectors.popitem(last=False)


_STORES: dict[str, _Store] = {}
_STORES_LOCK = threading.Lock()


def _store(key: str, size: int) -> _Store:
    with _STORES_LOCK:
        if key not in _STORES:
            _STORES[key] = _Store(size)
        return _STORES[key]


def clear_memo() -> None:
    """Forget every vector (tests and benchmarks that need a cold start)."""
    with _STORES_LOCK:
        _STORES.clear()


class MemoEncoder:
    """`encoder` with the per-process memo in front. Encoders with the same `memo_key` share
    their vectors; the key must change whenever the vectors could (the model id, and the
    cache file when the encoder behind reads one)."""

    def __init__(self, encoder: TextEncoder, memo_key: str | None = None,
                 size: int = MEMO_SIZE) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.model_id = encoder.model_id
        self.reference_id = encoder.reference_id
        self.dimension = encoder.dimension
        self.memo_key = memo_key or encoder.model_id
        self._store = _store(self.memo_key, size)

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not one string")
        texts = [str(text) for text in texts]
        vectors = self._store.get(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in vectors))
        if missing:
            computed = self.encoder.encode(missing, batch_size)
            self._store.put(missing, computed)
            vectors.update(zip(missing, computed, strict=True))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = vectors[text]
        return out
