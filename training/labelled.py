"""Labelled transcripts: supervisors' reviews as JSON Lines, one conversation and its human
labels per line (format: `training/LABELLED_TRANSCRIPTS.md`), turned into the `LabelledSet`
each task trains and measures on, with the inputs built exactly as the task builds them."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from corpora.loaders.base import Licence, read_text
from models.heads import TurnInput, text_pair
from scorer.conversation import Conversation, Role
from scorer.criteria.quality import conversation_input
from scorer.errors import ConfigError, ReadError, describe_validation
from scorer.language import detect_languages
from scorer.readers.options import ReaderOptions
from scorer.readers.source import Source
from training.tasks.base import Evaluation, LabelledSet, Task
from training.tasks.dialog_acts import LABELS as DIALOG_ACTS
from training.tasks.dialog_acts import OTHER
from training.tasks.jargon import COMPLEX, SIMPLE
from training.tasks.politeness import IMPOLITE, POLITE
from training.tasks.quality import HIGH, LOW

SUFFIXES = (".jsonl", ".ndjson")
CORPUS = "labelled_transcripts"
EMPATHIC, NOT_EMPATHIC = "empathic", "not_empathic"
QUALITY_MIDPOINT = 0.5
"""A review's quality `score` above this is `high` when it gives no `passed`."""
TURN_LABELS: dict[str, tuple[str, ...]] = {
    "politeness": (POLITE, IMPOLITE),
    "dialog_acts": DIALOG_ACTS,
    "empathy": (EMPATHIC, NOT_EMPATHIC),
}
LABEL_KEYS = ("politeness", "dialog_acts", "empathy", "jargon", "quality")
"""The `labels` keys: task names, `_` for `-`."""
MAX_LISTED_ERRORS = 20
_TURN_NUMBER = re.compile(r"0|[1-9][0-9]*")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TurnLabels(_Strict):
    """Turn number (a string, as JSON keys are) → label."""

    turns: dict[str, str] = Field(min_length=1)


class DialogActLabels(TurnLabels):
    unlisted: Literal["unlabelled", "other"] = "unlabelled"
    """`other`: every turn not in `turns` is labelled `other` (the reviewer marked all acts)."""


class QualityLabel(_Strict):
    score: float | None = Field(default=None, ge=0, le=1, strict=True)
    passed: StrictBool | None = None

    @model_validator(mode="after")
    def _one_given(self) -> QualityLabel:
        if self.score is None and self.passed is None:
            raise ValueError("give `score` (0-1), `passed` (true/false) or both")
        return self

    @property
    def label(self) -> str:
        if self.passed is not None:
            return HIGH if self.passed else LOW
        assert self.score is not None
        return HIGH if self.score > QUALITY_MIDPOINT else LOW


class JargonWord(_Strict):
    """A word or phrase: characters `start`..`end` (end exclusive) of turn `turn`."""

    turn: StrictInt = Field(ge=0)
    start: StrictInt = Field(ge=0)
    end: StrictInt = Field(gt=0)
    complex: StrictBool
    text: str | None = None
    """The span's text, checked against the turn when given."""


class JargonLabels(_Strict):
    words: list[JargonWord] = Field(min_length=1)


class Labels(_Strict):
    politeness: TurnLabels | None = None
    dialog_acts: DialogActLabels | None = None
    empathy: TurnLabels | None = None
    jargon: JargonLabels | None = None
    quality: QualityLabel | None = None


class Review(_Strict):
    """One line of a labelled-transcripts file."""

    conversation: Conversation
    labels: Labels
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    licence: Licence = "ship"
    """Reviews are the organisation's own data; `eval` keeps them out of shipped models."""


def is_labelled_transcripts(data: Path | None) -> bool:
    """Whether `--data` names a labelled-transcripts file (a `.jsonl` file)."""
    return data is not None and data.suffix.lower() in SUFFIXES and not data.is_dir()


def training_data(task: Task, data: Path | None) -> LabelledSet:
    """The task's training data: the reviews in `data` when it is a labelled-transcripts
    file, else what the task reads from its corpus."""
    if not is_labelled_transcripts(data):
        return task.training_data(data)
    assert data is not None
    dataset = labelled_set(task.name, data)
    _require_trainable(task, dataset, data)
    return dataset


def evaluations(task: Task, data: Path | None) -> list[Evaluation]:
    """The task's evaluations, or a held-out measurement on the reviews in `data`."""
    if not is_labelled_transcripts(data):
        return task.evaluations(data)
    assert data is not None
    return [Evaluation(labelled_set(task.name, data), "heldout")]


def read_reviews(path: Path) -> list[tuple[int, Review]]:
    """(line number, review) for every non-blank line; every invalid line is reported in one
    ReadError, each as `path:line: field: problem`."""
    # Existence, size limit and emptiness are checked as for any input file.
    Source(path, ReaderOptions()).raw  # noqa: B018
    text = read_text(path)
    reviews: list[tuple[int, Review]] = []
    errors: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            reviews.append((number, _parse_line(line, path, number)))
        except ValueError as error:
            errors.append((number, str(error)))
    if errors:
        raise _file_error(path, errors)
    if not reviews:
        raise ReadError("no reviews in the file", location=str(path))
    return reviews


def labelled_set(task_name: str, path: Path) -> LabelledSet:
    """The examples of task `task_name` in the reviews file `path`."""
    key = task_name.replace("-", "_")
    if key not in BUILDERS:
        raise ConfigError(f"task {task_name!r} takes no labelled transcripts; "
                          f"known: {', '.join(LABEL_KEYS)}")
    inputs: list[TurnInput] = []
    labels: list[str] = []
    scores: list[float | None] = []
    groups: list[str] = []
    languages: set[str] = set()
    licences: set[Licence] = set()
    for _, review in read_reviews(path):
        if getattr(review.labels, key) is None:
            continue
        examples = BUILDERS[key](review)
        inputs += [item for item, _, _ in examples]
        labels += [label for _, label, _ in examples]
        scores += [score for _, _, score in examples]
        groups += [review.conversation.id] * len(examples)
        languages.add(detect_languages(review.conversation).language or "en")
        licences.add(review.licence)
    if not inputs:
        raise ConfigError(f"no {key} labels (labels.{key}) in any review", location=str(path))
    return LabelledSet(
        name=f"{path.name}/{key}", inputs=inputs, labels=labels, corpora=(CORPUS,),
        files=(path,), licence="eval" if "eval" in licences else "ship",
        languages=tuple(sorted(languages)),
        scores=None if None in scores else [float(s) for s in scores if s is not None],
        groups=groups)


# --- reading and checking one line -----------------------------------------------------

def _parse_line(line: str, path: Path, number: int) -> Review:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise ValueError(f"expected a review object, got {type(record).__name__}")
    if "conversation" not in record and "turns" in record:
        raise ValueError('a conversation without labels: each line is {"conversation": ..., '
                         '"labels": ...} (training/LABELLED_TRANSCRIPTS.md)')
    labels = record.get("labels")
    unknown = sorted(set(labels) - set(LABEL_KEYS)) if isinstance(labels, dict) else []
    if unknown:
        raise ValueError(f"labels.{unknown[0]}: unknown label {unknown[0]!r}; allowed: "
                         f"{', '.join(LABEL_KEYS)}")
    conversation = record.get("conversation")
    if isinstance(conversation, dict) and not conversation.get("source"):
        record = {**record, "conversation": {**conversation, "source": f"{path}:{number}"}}
    try:
        review = Review.model_validate(record)
    except ValidationError as exc:
        raise ValueError(describe_validation(exc)) from exc
    _check(review)
    return review


def _check(review: Review) -> None:
    """What the schema cannot say: turns exist, labels are known, spans fit their turn."""
    turns = review.conversation.turns
    for key, allowed in TURN_LABELS.items():
        group: TurnLabels | None = getattr(review.labels, key)
        if group is None:
            continue
        for name, label in group.turns.items():
            field = f"labels.{key}.turns.{name}"
            index = _turn_index(name, field, len(turns))
            if label not in allowed:
                raise ValueError(f"{field}: {label!r} is not a {key} label; allowed: "
                                 f"{', '.join(allowed)}")
            if not turns[index].text.strip():
                raise ValueError(f"{field}: turn {index} has no text")
            if key == "empathy":
                _check_response(review.conversation, index, field)
    if review.labels.jargon is not None:
        for position, word in enumerate(review.labels.jargon.words):
            _check_span(word, f"labels.jargon.words.{position}", review.conversation)


def _turn_index(name: str, field: str, count: int) -> int:
    if not _TURN_NUMBER.fullmatch(name):
        raise ValueError(f"{field}: {name!r} is not a turn number (0-based, e.g. \"3\")")
    index = int(name)
    if index >= count:
        raise ValueError(f"{field}: turn {index} does not exist (conversation has {count} "
                         f"turns, 0-{count - 1})")
    return index


def _check_response(conversation: Conversation, index: int, field: str) -> None:
    role = conversation.turns[index].role
    if role is not Role.AGENT:
        raise ValueError(f"{field}: turn {index} is a {role.value} turn; empathy labels go on "
                         "agent turns (the response to the customer turn before)")
    if _customer_before(conversation, index) is None:
        raise ValueError(f"{field}: no customer turn before agent turn {index} to respond to")


def _check_span(word: JargonWord, field: str, conversation: Conversation) -> None:
    count = len(conversation.turns)
    if word.turn >= count:
        raise ValueError(f"{field}.turn: turn {word.turn} does not exist (conversation has "
                         f"{count} turns, 0-{count - 1})")
    text = conversation.turns[word.turn].text
    if not word.start < word.end <= len(text):
        raise ValueError(f"{field}: characters {word.start}-{word.end} are not a span of turn "
                         f"{word.turn} ({len(text)} characters)")
    span = text[word.start:word.end]
    if not span.strip():
        raise ValueError(f"{field}: characters {word.start}-{word.end} of turn {word.turn} "
                         "are blank")
    if word.text is not None and word.text != span:
        raise ValueError(f"{field}.text: characters {word.start}-{word.end} of turn "
                         f"{word.turn} are {span!r}, not {word.text!r}")


def _customer_before(conversation: Conversation, index: int) -> str | None:
    for turn in reversed(conversation.turns[:index]):
        if turn.role is Role.CUSTOMER and turn.text.strip():
            return turn.text
    return None


def _file_error(path: Path, errors: list[tuple[int, str]]) -> ReadError:
    if len(errors) == 1:
        number, message = errors[0]
        return ReadError(message, location=f"{path}:{number}")
    listed = [f"{path}:{number}: {message}" for number, message in errors[:MAX_LISTED_ERRORS]]
    more = len(errors) - len(listed)
    tail = [f"... and {more} more"] if more else []
    return ReadError(f"{len(errors)} invalid reviews:\n" + "\n".join([*listed, *tail]),
                     location=str(path))


# --- examples per task, as each task builds its inputs ---------------------------------

Example = tuple[TurnInput, str, float | None]


def _in_context(conversation: Conversation, index: int) -> TurnInput:
    """A turn with the turn before it and its place, as dialog-acts builds SwDA turns."""
    turns = conversation.turns
    previous = turns[index - 1].text if index > 0 else None
    return TurnInput(turns[index].text, previous, index, len(turns) - index - 1)


def _politeness(review: Review) -> list[Example]:
    assert review.labels.politeness is not None
    return [(_in_context(review.conversation, int(n)), label, None)
            for n, label in sorted(review.labels.politeness.turns.items(), key=_by_turn)]


def _dialog_acts(review: Review) -> list[Example]:
    group = review.labels.dialog_acts
    assert group is not None
    acts = {int(n): label for n, label in group.turns.items()}
    if group.unlisted == "other":
        acts = {i: acts.get(i, OTHER) for i, turn in enumerate(review.conversation.turns)
                if turn.text.strip()}
    return [(_in_context(review.conversation, i), acts[i], None) for i in sorted(acts)]


def _empathy(review: Review) -> list[Example]:
    """(customer turn, agent response) pairs, as the EPITOME (post, response) pairs."""
    assert review.labels.empathy is not None
    examples: list[Example] = []
    for name, label in sorted(review.labels.empathy.turns.items(), key=_by_turn):
        customer = _customer_before(review.conversation, int(name))
        assert customer is not None
        response = review.conversation.turns[int(name)].text
        examples.append((TurnInput(text_pair(customer, response), customer), label, None))
    return examples


def _jargon(review: Review) -> list[Example]:
    """The word or phrase itself, as the jargon task reads CWI targets."""
    assert review.labels.jargon is not None
    turns = review.conversation.turns
    return [(TurnInput(turns[w.turn].text[w.start:w.end]), COMPLEX if w.complex else SIMPLE,
             None) for w in review.labels.jargon.words]


def _quality(review: Review) -> list[Example]:
    """The whole conversation as the quality criterion reads it."""
    quality = review.labels.quality
    assert quality is not None
    return [(conversation_input(review.conversation), quality.label, quality.score)]


def _by_turn(item: tuple[str, str]) -> int:
    return int(item[0])


BUILDERS: dict[str, Callable[[Review], list[Example]]] = {
    "politeness": _politeness, "dialog_acts": _dialog_acts, "empathy": _empathy,
    "jargon": _jargon, "quality": _quality,
}


def _require_trainable(task: Task, dataset: LabelledSet, path: Path) -> None:
    """The head calibrates with k-fold splits: every label needs k examples, and two labels
    are needed at all. Said here, not as scikit-learn's traceback."""
    counts = Counter(dataset.labels)
    folds = int(getattr(task.estimator(task.default_encoders[0]), "cv", 5))
    if len(counts) < 2:
        raise ConfigError(f"every {task.name} example is {next(iter(counts))!r}; training "
                          "needs at least two labels", location=str(path))
    scarce = sorted((label, n) for label, n in counts.items() if n < folds)
    if scarce:
        listed = ", ".join(f"{label!r} ({n})" for label, n in scarce)
        raise ConfigError(f"too few {task.name} examples of {listed}; training needs at "
                          f"least {folds} of each label", location=str(path))
