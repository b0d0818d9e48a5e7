"""A disk cache of embeddings keyed by (model id, text), so repeated training runs and
evaluations do not re-encode the same corpora.

One SQLite file in write-ahead-log mode under `$IQS_CACHE_DIR` (default `~/.cache/iqs`):
several processes may read and write it at once. Texts are stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.encoders.base import TextEncoder

_CACHE_FILE = "embeddings.sqlite"
_QUERY_CHUNK = 500  # stays under SQLite's limit on bound parameters
_BUSY_TIMEOUT_S = 60.0


def cache_dir() -> Path:
    configured = os.environ.get("IQS_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "iqs"


def _text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    @classmethod
    def default(cls) -> EmbeddingCache:
        return cls(cache_dir() / _CACHE_FILE)

    def lookup(self, model_id: str, texts: Sequence[str],
               dimension: int) -> list[np.ndarray | None]:
        """The stored vector of each text, or None where there is none of `dimension`."""
        keys = [_text_key(text) for text in texts]
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            connection = self._connect()
            for start in range(0, len(keys), _QUERY_CHUNK):
                chunk = keys[start:start + _QUERY_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = connection.execute(
                    f"SELECT text_hash, vector FROM embeddings "
                    f"WHERE model_id = ? AND text_hash IN ({marks})", (model_id, *chunk))
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (dimension,):
                        found[key] = vector
        return [found.get(key) for key in keys]

    def store(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [(model_id, _text_key(text), np.asarray(vector, dtype=np.float32).tobytes())
                for text, vector in zip(texts, vectors, strict=True)]
        with self._lock:
            connection = self._connect()
            with connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO embeddings (model_id, text_hash, vector) "
                    "VALUES (?, ?, ?)", rows)

    def count(self, model_id: str) -> int:
        with self._lock:
            row = self._connect().execute(
                "SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,)).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None

    def _connect(self) -> sqlite3.Connection:
        # A connection must not cross a fork; a child process opens its own.
        if self._connection is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S,
                                         check_same_thread=False)
            _retry_while_locked(lambda: _prepare(connection))
            self._connection, self._pid = connection, os.getpid()
        return self._connection


def _prepare(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    with connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model_id TEXT NOT NULL, "
            "text_hash BLOB NOT NULL, vector BLOB NOT NULL, "
            "PRIMARY KEY (model_id, text_hash)) WITHOUT ROWID")


def _retry_while_locked(action: Callable[[], None]) -> None:
    """Run `action`, retrying while another process holds the file.

    SQLite answers "database is locked" at once, without its busy timeout, when two
    connections switch a new file to WAL mode at the same moment."""
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    delay = 0.01
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@dataclass
class CacheStats:
    hits: int = 0
    encoded: int = 0


class CachedEncoder:
    """An encoder that looks texts up in the cache first and encodes only the rest (each
    distinct text once)."""

    def __init__(self, encoder: TextEncoder, cache: EmbeddingCache) -> None:
        self.encoder = encoder
        self.cache = cache
        self.name = encoder.name
        self.model_id = encoder.model_id
        self.reference_id = encoder.reference_id
        self.dimension = encoder.dimension
        self.stats = CacheStats()

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not one string")
        distinct = list(dict.fromkeys(str(text) for text in texts))
        stored = self.cache.lookup(self.model_id, distinct, self.dimension)
        vectors = {text: vector for text, vector in zip(distinct, stored, strict=True)
                   if vector is not None}
        missing = [text for text in distinct if text not in vectors]
        if missing:
            computed = self.encoder.encode(missing, batch_size)
            self.cache.store(self.model_id, missing, computed)
            vectors.update(zip(missing, computed, strict=True))
        self.stats.hits += len(distinct) - len(missing)
        self.stats.encoded += len(missing)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = vectors[str(text)]
        return out
