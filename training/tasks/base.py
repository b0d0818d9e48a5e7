"""What a task says about itself: its training data, its evaluation protocol, the published
numbers to compare with and the head configuration it trains."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from corpora.loaders.base import Licence
from models.heads import EmbeddingClassifier, TurnInput

Protocol = Literal["cv", "heldout"]


@dataclass(frozen=True)
class Published:
    """A number from a paper to print beside ours."""

    metric: str
    value: float
    system: str
    source: str


@dataclass(frozen=True)
class LabelledSet:
    name: str
    inputs: list[TurnInput]
    labels: list[str]
    corpora: tuple[str, ...]
    files: tuple[Path, ...]
    licence: Licence
    languages: tuple[str, ...] = ("en",)
    scores: list[float] | None = None
    """A graded human score per example where the corpus has one (correlated with the
    model's probability of the positive class)."""
    groups: list[str] | None = None
    """A group id per example where examples are not independent (one writer's essays, one
    post's responses): cross-validation keeps each group inside one fold."""

    def __post_init__(self) -> None:
        if len(self.inputs) != len(self.labels):
            raise ValueError(f"{self.name}: {len(self.inputs)} inputs, {len(self.labels)} labels")
        if self.groups is not None and len(self.groups) != len(self.labels):
            raise ValueError(f"{self.name}: {len(self.groups)} groups, {len(self.labels)} labels")


@dataclass(frozen=True)
class Evaluation:
    """One measurement: k-fold cross-validation of the head configuration on `data`, or a
    trained model predicting `data` it has not seen."""

    data: LabelledSet
    protocol: Protocol
    folds: int = 10
    published: tuple[Published, ...] = field(default_factory=tuple)

    @property
    def description(self) -> str:
        grouped = "grouped " if self.data.groups is not None else ""
        how = f"{self.folds}-fold {grouped}CV" if self.protocol == "cv" else "held-out"
        return f"{self.data.name}, {how}"


def merge(name: str, parts: list[LabelledSet]) -> LabelledSet:
    """One set of several; `eval` if any part is."""
    return LabelledSet(
        name=name,
        inputs=[item for part in parts for item in part.inputs],
        labels=[label for part in parts for label in part.labels],
        corpora=tuple(dict.fromkeys(c for part in parts for c in part.corpora)),
        files=tuple(dict.fromkeys(f for part in parts for f in part.files)),
        licence="ship" if all(part.licence == "ship" for part in parts) else "eval",
        languages=tuple(dict.fromkeys(lang for part in parts for lang in part.languages)),
    )


class Task(ABC):
    name: str
    labels: tuple[str, ...]
    positive_label: str | None = None
    """For binary tasks: the class whose probability the criteria read."""
    default_encoders: tuple[str, ...] = ("minilm",)
    """Encoders of the shipped default models, first the one `train` uses by default."""

    @abstractmethod
    def training_data(self, data: Path | None = None) -> LabelledSet:
        """The shipped model's data, or the file or folder `data` in the shared corpus's
        format."""

    @abstractmethod
    def evaluations(self, data: Path | None = None) -> list[Evaluation]:
        """The task's standard measurements, or a held-out measurement on `data`."""

    @abstractmethod
    def estimator(self, encoder: str) -> EmbeddingClassifier:
        """The head configuration this task trains (the best one measured)."""

    def serves_languages(self, encoder: str) -> list[str]:
        from models.encoders import MULTILINGUAL
        from scorer.language import SUPPORTED_LANGUAGES

        return list(SUPPORTED_LANGUAGES) if encoder in MULTILINGUAL else ["en"]

    def model_name(self, encoder: str, licence: Licence) -> str:
        return f"{self.name}-{encoder}" if licence == "ship" else f"{self.name}-{encoder}-research"
