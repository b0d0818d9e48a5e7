"""`quality`: how good was a whole customer-helpdesk dialogue? NTCIR-14 STC-3 (Zeng et al.,
2019): 19 annotators rated each dialogue for accomplishment (A), satisfaction (S) and
effectiveness (E) on -2..2.

The head is the framework's calibrated classifier: a dialogue is `high` when the
annotators' mean is above neutral (> 0), and the probability of `high` is the predicted
quality, correlated (Pearson r) with the annotators' mean score. No published r exists: the
shared task's DQ subtask scored rating distributions with NMD/RSNOD."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from corpora.loaders.stc3 import Stc3Dialogue, load_stc3
from models.heads import EmbeddingClassifier, TurnInput
from scorer.errors import ConfigError
from training.tasks.base import Evaluation, LabelledSet, Protocol, Task

HIGH, LOW = "high", "low"
NEUTRAL = 0.0
"""Mean ratings above this are `high` quality."""
CV_FOLDS = 5
_SPEAKER = {"customer": "Customer", "helpdesk": "Helpdesk"}

Score = Callable[[Stc3Dialogue], float]
SCORES: dict[str, Score] = {
    "S": lambda d: d.mean_satisfaction,
    "A": lambda d: d.mean_accomplishment,
    "E": lambda d: d.mean_effectiveness,
}
"""The annotators' mean per quality dimension; S is the one the shipped model predicts."""


def dialogue_input(dialogue: Stc3Dialogue) -> TurnInput:
    """The dialogue as one encoder input, speakers named. The ending goes first: the
    encoder truncates long inputs, and how a dialogue ends says most about satisfaction."""
    turns = [f"{_SPEAKER[t.sender]}: {t.text}" for t in dialogue.turns if t.text.strip()]
    ending = turns[-2:]
    return TurnInput("\n".join([*ending, *turns[:-2]]), index=0,
                     remaining=max(len(dialogue.turns) - 1, 0))


def quality_set(dimension: str = "S", path: Path | None = None) -> LabelledSet:
    """Annotated STC-3 dialogues (default: the shared English file) labelled by the mean
    of `dimension`, with the mean as the graded score."""
    if dimension not in SCORES:
        raise ConfigError(f"unknown quality dimension {dimension!r}; known: S, A, E")
    corpus = load_stc3("en", path)
    dialogues = [d for d in corpus if d.ratings]
    if not dialogues:
        raise ConfigError("no annotated dialogue to learn or measure quality from",
                          location=str(path or corpus.sources[0]))
    score = SCORES[dimension]
    return LabelledSet(
        name=f"stc3/{'+'.join(sorted({d.language for d in dialogues}))}/{dimension}",
        inputs=[dialogue_input(d) for d in dialogues],
        labels=[HIGH if score(d) > NEUTRAL else LOW for d in dialogues],
        corpora=(corpus.name,), files=corpus.sources, licence=corpus.licence,
        languages=tuple(sorted({d.language for d in dialogues})),
        scores=[score(d) for d in dialogues])


class QualityTask(Task):
    name = "quality"
    labels = (LOW, HIGH)
    positive_label = HIGH

    def training_data(self, data: Path | None = None) -> LabelledSet:
        return quality_set("S", data)

    def evaluations(self, data: Path | None = None) -> list[Evaluation]:
        """5-fold CV per dimension on the English file; on `data`, the trained model
        held-out, its P(high) against each dimension's mean."""
        protocol: Protocol = "cv" if data is None else "heldout"
        return [Evaluation(quality_set(dimension, data), protocol, folds=CV_FOLDS)
                for dimension in SCORES]

    def estimator(self, encoder: str) -> EmbeddingClassifier:
        return EmbeddingClassifier(encoder=encoder, C=1.0, calibration="sigmoid",
                                   extra_features=("conversation_position",), extra_weight=0.3)
