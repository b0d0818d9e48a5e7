"""A large batch scored in worker processes: each loads the scorecard's models once and
scores chunks of `ENCODING_CHUNK` conversations (the chunks `Scorer.score_many` encodes
together, so the scores are those of one process); the scores come back in input order.

Workers are spawned, not forked: forking after torch has started its threads is unsafe. Each
runs one torch thread, so N workers share N cores instead of each taking all of them. The
embedding cache file (SQLite in WAL mode) takes writes from several processes. A batch
smaller than `PARALLEL_MIN` is scored in this process: starting a worker (imports and models,
a few seconds) would cost more than it saves."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scorer.conversation import Conversation
from scorer.errors import IQSError
from scorer.scorecard import Scorecard
from scorer.scoring import ENCODING_CHUNK, ConversationScore, Scorer

PARALLEL_MIN = 8 * ENCODING_CHUNK
"""Conversations below which a batch is scored in this process whatever the workers asked
(benchmarks/TEXT_SPEED.md, "Worker processes")."""


class ScoringError(IQSError):
    """A conversation (or a chunk, when no single one fails alone) could not be scored; the
    location is its file."""

    def __reduce__(self) -> tuple[type[ScoringError], tuple[str, str | None]]:
        # Raised in a worker, rebuilt in the parent with its location.
        return type(self), (self.message, self.location)


def score_batch(conversations: Sequence[Conversation], scorer: Scorer,
                workers: int = 1) -> Iterator[ConversationScore]:
    """The scores of `conversations` in their order: in `workers` processes when there are
    several and the batch is large, else with `scorer` here."""
    if workers > 1 and len(conversations) >= PARALLEL_MIN:
        yield from score_in_workers(conversations, scorer.scorecard, scorer.language, workers)
        return
    for start in range(0, len(conversations), ENCODING_CHUNK):
        yield from score_chunk(scorer, conversations[start:start + ENCODING_CHUNK])


def score_in_workers(conversations: Sequence[Conversation], scorecard: Scorecard,
                     language: str | None, workers: int,
                     chunk_size: int = ENCODING_CHUNK) -> Iterator[ConversationScore]:
    """Score in `workers` spawned processes, `chunk_size` conversations per task, whatever
    the batch's size. A failure stops the batch: the chunks not started are cancelled."""
    chunks = [list(conversations[start:start + chunk_size])
              for start in range(0, len(conversations), chunk_size)]
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(chunks))),
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(scorecard, language))
    try:
        futures: list[Future[list[ConversationScore]]] = [
            pool.submit(_score_in_worker, chunk) for chunk in chunks]
        for chunk, future in zip(chunks, futures, strict=True):
            try:
                scores = future.result()
            except BrokenProcessPool as exc:
                # A worker died (killed, out of memory): no Python error to name a culprit.
                raise ScoringError(
                    f"a scoring worker stopped ({exc}) while conversations "
                    f"{_names(chunk)} were among those being scored",
                    location=chunk[0].source) from exc
            yield from scores
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def score_chunk(scorer: Scorer, chunk: Sequence[Conversation]) -> list[ConversationScore]:
    """`scorer.score_many` of one chunk; an error names the conversation that fails and its
    file (each is scored alone to find it)."""
    try:
        return list(scorer.score_many(chunk, chunk_size=len(chunk)))
    except IQSError:
        raise
    except Exception as exc:
        raise _culprit(scorer, chunk, exc) from exc


def _culprit(scorer: Scorer, chunk: Sequence[Conversation], error: Exception) -> ScoringError:
    for conversation in chunk:
        try:
            scorer.score(conversation)
        except Exception as exc:  # the first that fails alone is named
            return ScoringError(f"conversation {conversation.id!r} could not be scored: "
                                f"{type(exc).__name__}: {exc}",
                                location=conversation.source or conversation.id)
    return ScoringError(f"conversations {_names(chunk)} could not be scored together: "
                        f"{type(error).__name__}: {error}", location=chunk[0].source)


def _names(chunk: Sequence[Conversation]) -> str:
    shown = ", ".join(repr(c.id) for c in chunk[:3])
    return shown + (f" and {len(chunk) - 3} more" if len(chunk) > 3 else "")


_worker_scorer: Scorer | None = None
"""The scorer of this worker process, built once by `_start_worker`."""


def _start_worker(scorecard: Scorecard, language: str | None) -> None:
    import torch

    torch.set_num_threads(1)
    global _worker_scorer
    _worker_scorer = Scorer(scorecard, language=language)


def _score_in_worker(chunk: list[Conversation]) -> list[ConversationScore]:
    assert _worker_scorer is not None, "the pool's initializer builds the scorer"
    return score_chunk(_worker_scorer, chunk)
