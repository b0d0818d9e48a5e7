"""Text throughput on this machine: sentences/s of each packaged encoder on real customer-
service turns (STC-3 English), one text per call and in batches of 32, and from a warm
embedding cache.

    python benchmarks/text.py [--sentences 500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from corpora.loaders.stc3 import load_stc3
from models.cache import CachedEncoder, EmbeddingCache
from models.encoders import PACKAGED, TextEncoder, load_encoder


def real_sentences(count: int) -> list[str]:
    """The first `count` distinct non-empty turns of the STC-3 English dialogues."""
    texts: dict[str, None] = {}
    for dialogue in load_stc3("en"):
        for turn in dialogue.turns:
            if turn.text.strip():
                texts[turn.text] = None
            if len(texts) == count:
                return list(texts)
    return list(texts)


def best_rate(run: Callable[[], object], items: int, repeats: int) -> float:
    """Items per second of the fastest of `repeats` runs (the least disturbed one)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return items / best


def encoder_rows(texts: list[str], repeats: int) -> Iterator[tuple[str, str, float]]:
    for spec in PACKAGED:
        start = time.perf_counter()
        encoder: TextEncoder = load_encoder(spec)
        yield spec, "load, s", time.perf_counter() - start
        encoder.encode(texts[:32])  # warm-up: first-call allocations and thread start-up
        for batch_size in (1, 32):
            rate = best_rate(partial(encoder.encode, texts, batch_size=batch_size),
                             len(texts), repeats)
            yield spec, f"batch {batch_size}, sentences/s", rate
        with tempfile.TemporaryDirectory() as folder:
            cached = CachedEncoder(encoder, EmbeddingCache(Path(folder) / "e.sqlite"))
            cached.encode(texts)
            yield spec, "warm cache, sentences/s", best_rate(partial(cached.encode, texts),
                                                             len(texts), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts = real_sentences(args.sentences)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"{len(texts)} STC-3 English turns, {words:.1f} words on average, "
          f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} (other processes "
          "on the cores lower every rate)")
    print(f"{'encoder':<8} {'measure':<28} {'value':>10}", flush=True)
    for spec, measure, value in encoder_rows(texts, args.repeats):
        print(f"{spec:<8} {measure:<28} {value:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
