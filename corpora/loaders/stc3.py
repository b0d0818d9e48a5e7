"""NTCIR-14 STC-3 customer-helpdesk dialogues (Zeng et al., EVIA 2017): Weibo dialogues in
Chinese and their English translations, each judged by 19 annotators for task accomplishment
(A), customer satisfaction (S) and dialogue effectiveness (E) on -2..2, plus a nugget type for
every turn from every annotator. The per-dialogue means are the regression targets."""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from corpora.loaders.base import Corpus, Licence, licence_for, read_text, resolve_sources
from corpora.paths import corpus_dir
from scorer.conversation import Channel, Conversation, Role, Turn
from scorer.errors import ReadError

CORPUS = "stc3_dch1"
LICENCE: Licence = "ship"

Sender = Literal["customer", "helpdesk"]
_FILES = {"en": "train_data_en.json", "zh": "train_data_cn.json"}
_CHINESE_NAME = re.compile(r"(^|[_.-])(cn|zh)([_.-]|$)")
_SCORES = range(-2, 3)


@dataclass(frozen=True)
class Stc3Turn:
    sender: Sender
    utterances: tuple[str, ...]
    """The messages of the turn; some are empty (emoji and pictures were not crawled)."""
    nuggets: tuple[str, ...]
    """One nugget type per annotator, e.g. CNUG0 (problem stated), HNUG* (solution stated)."""

    @property
    def text(self) -> str:
        return "\n".join(u for u in self.utterances if u.strip())


@dataclass(frozen=True)
class QualityRating:
    """One annotator's judgement of a whole dialogue, each on -2..2."""

    accomplishment: int
    satisfaction: int
    effectiveness: int


@dataclass(frozen=True)
class Stc3Dialogue:
    id: str
    language: str
    turns: tuple[Stc3Turn, ...]
    ratings: tuple[QualityRating, ...]
    """Empty for a dialogue without annotations; the means below need at least one."""
    source: str

    @property
    def mean_accomplishment(self) -> float:
        return statistics.fmean(r.accomplishment for r in self.ratings)

    @property
    def mean_satisfaction(self) -> float:
        return statistics.fmean(r.satisfaction for r in self.ratings)

    @property
    def mean_effectiveness(self) -> float:
        return statistics.fmean(r.effectiveness for r in self.ratings)

    def to_conversation(self) -> Conversation:
        """The dialogue as a chat for the scorer: helpdesk turns are the agent's."""
        return Conversation(
            id=self.id, channel=Channel.CHAT, language=self.language, source=self.source,
            turns=[Turn(role=Role.CUSTOMER if t.sender == "customer" else Role.AGENT,
                        text=t.text, language=self.language) for t in self.turns])


def load_stc3(language: Literal["en", "zh"] = "en", path: str | Path | None = None,
              licence: Licence | None = None) -> Corpus[Stc3Dialogue]:
    """Dialogues of an STC-3 JSON file, or of every `*.json` in a folder (default: the shared
    file of `language`). A file's language is Chinese when its name says cn or zh."""
    default = corpus_dir(CORPUS) / _FILES[language]
    sources = resolve_sources(default if path is None else path, CORPUS, "*.json")
    dialogues = tuple(d for source in sources for d in _read_file(source))
    return Corpus(CORPUS, licence_for(path, licence, LICENCE), sources, dialogues)


def _read_file(path: Path) -> list[Stc3Dialogue]:
    try:
        records = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise ReadError(f"not valid JSON: {exc.msg}", location=f"{path}:{exc.lineno}") from exc
    if not isinstance(records, list):
        raise ReadError("expected a JSON list of dialogues", location=str(path))
    language = language_of(path)
    return [parse_dialogue(record, language, f"{path}: dialogue {i}") for i, record in
            enumerate(records)]


def language_of(path: Path) -> str:
    """Chinese when the file name says cn or zh, else English."""
    return "zh" if _CHINESE_NAME.search(path.stem) else "en"


def parse_dialogue(record: Any, language: str, location: str) -> Stc3Dialogue:
    """One dialogue record; `annotations` may be missing (a file to score, not to train on)."""
    if not isinstance(record, dict) or not {"id", "turns"} <= record.keys():
        raise ReadError("expected an object with id and turns", location=location)
    location = f"{location} (id {record['id']})"
    turns = record["turns"]
    annotations = record.get("annotations", [])
    if not isinstance(turns, list) or not turns:
        raise ReadError("'turns' must be a non-empty list", location=location)
    if not isinstance(annotations, list):
        raise ReadError("'annotations' must be a list", location=location)
    ratings = []
    nuggets: list[list[str]] = [[] for _ in turns]
    for n, annotation in enumerate(annotations):
        where = f"{location}, annotation {n}"
        ratings.append(_rating(annotation, where))
        labels = annotation.get("nugget")
        if not isinstance(labels, list) or len(labels) != len(turns):
            raise ReadError(f"'nugget' must list one type per turn ({len(turns)})",
                            location=where)
        for turn_nuggets, label in zip(nuggets, labels, strict=True):
            turn_nuggets.append(str(label))
    return Stc3Dialogue(
        id=str(record["id"]), language=language,
        turns=tuple(_turn(turn, tuple(turn_nuggets), f"{location}, turn {i}")
                    for i, (turn, turn_nuggets) in enumerate(zip(turns, nuggets, strict=True))),
        ratings=tuple(ratings), source=location)


def _turn(turn: Any, nuggets: tuple[str, ...], location: str) -> Stc3Turn:
    sender = turn.get("sender") if isinstance(turn, dict) else None
    utterances = turn.get("utterances") if isinstance(turn, dict) else None
    if sender not in ("customer", "helpdesk"):
        raise ReadError(f"'sender' must be customer or helpdesk, got {sender!r}",
                        location=location)
    if not isinstance(utterances, list) or not all(isinstance(u, str) for u in utterances):
        raise ReadError("'utterances' must be a list of strings", location=location)
    return Stc3Turn(sender=sender, utterances=tuple(utterances), nuggets=nuggets)


def _rating(annotation: Any, location: str) -> QualityRating:
    quality = annotation.get("quality") if isinstance(annotation, dict) else None
    if not isinstance(quality, dict):
        raise ReadError("annotation lacks 'quality'", location=location)
    values: dict[str, int] = {}
    for key in ("A", "S", "E"):
        value = quality.get(key)
        if not isinstance(value, int) or value not in _SCORES:
            raise ReadError(f"quality {key} must be an integer in -2..2, got {value!r}",
                            location=location)
        values[key] = value
    return QualityRating(values["A"], values["S"], values["E"])
