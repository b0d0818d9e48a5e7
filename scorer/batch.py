"""A batch: files in, conversation scores, agent summaries and the files that failed out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from pydantic import BaseModel

from scorer.aggregation import AgentSummary, summarize_agents
from scorer.parallel import score_batch
from scorer.readers import ReaderOptions, read_paths
from scorer.scoring import ConversationScore, Scorer


class FileFailure(BaseModel):
    location: str
    message: str


class ScoreReport(BaseModel):
    scorecard: str
    conversations: list[ConversationScore]
    agents: list[AgentSummary]
    failures: list[FileFailure]


def score_paths(paths: Iterable[Path], scorer: Scorer, options: ReaderOptions | None = None,
                on_file: Callable[[Path], None] | None = None,
                on_scored: Callable[[ConversationScore], None] | None = None,
                workers: int = 1) -> ScoreReport:
    """Read every file (folders recursively), score what could be read, list what could not.
    A large batch is scored in `workers` processes (scorer/parallel.py)."""
    batch = read_paths(list(paths), options or ReaderOptions(), on_file=on_file)
    scores = []
    # Each chunk's turns are encoded in batches (see Scorer.score_many).
    for score in score_batch(batch.conversations, scorer, workers):
        scores.append(score)
        if on_scored is not None:
            on_scored(score)
    failures = [FileFailure(location=e.location or "", message=e.message)
                for e in batch.failures]
    return ScoreReport(scorecard=scorer.scorecard.name, conversations=scores,
                       agents=summarize_agents(scores), failures=failures)
