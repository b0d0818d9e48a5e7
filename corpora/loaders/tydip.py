"""TyDiP (Srinivasan & Choi, EMNLP 2022 Findings): English politeness training requests and
politeness-strategy word lists for nine languages.

`data/binary/<lang>_*_binary.csv` keeps the top and bottom quartiles of the score; the paper
(and its code) labels a request polite when its score is above 0."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from corpora.loaders.base import (
    Corpus,
    Licence,
    licence_for,
    parse_number,
    read_csv_records,
    read_csv_rows,
    resolve_sources,
)
from corpora.paths import corpus_dir
from scorer.errors import ConfigError, ReadError

CORPUS = "tydip"
LICENCE: Licence = "ship"
STRATEGY_LANGUAGES = ("af", "es", "fr", "hi", "hu", "ko", "ru", "ta", "vi")

_LANGUAGE_PREFIX = re.compile(r"^([a-z]{2})_")
_STRATEGY_HEADER = "Strategy - "


@dataclass(frozen=True)
class TydipRequest:
    text: str
    score: float
    label: int
    """1 polite (score > 0), 0 impolite, as in the paper's binary task."""
    language: str | None
    """From the file name (`en_train_binary.csv` → en); None when the name does not say."""
    source: str


@dataclass(frozen=True)
class StrategyTerm:
    english: str
    """The English strategy term the translations were learnt for."""
    translations: tuple[tuple[str, int], ...]
    """(word or phrase, count) in the target language, most frequent first."""
    flagged: bool
    """The file's third column, kept as is: the TyDiP README does not define it."""


def load_tydip(path: str | Path | None = None,
               licence: Licence | None = None) -> Corpus[TydipRequest]:
    """Requests of a `sentence,score` CSV file, or of every `*.csv` in a folder (default: the
    shared English binary training file)."""
    default = corpus_dir(CORPUS) / "data" / "binary" / "en_train_binary.csv"
    sources = resolve_sources(default if path is None else path, CORPUS, "*.csv")
    requests = tuple(request for source in sources for request in _read_requests(source))
    return Corpus(CORPUS, licence_for(path, licence, LICENCE), sources, requests)


def load_strategy_terms(language: str, path: str | Path | None = None
                        ) -> dict[str, tuple[StrategyTerm, ...]]:
    """Strategy name (e.g. `Please`, `HASHEDGE`) → its terms, from `strategies/<language>.csv`
    or the file `path`."""
    if path is None:
        if language not in STRATEGY_LANGUAGES:
            raise ConfigError(f"no TyDiP strategy list for {language!r}; "
                              f"known: {', '.join(STRATEGY_LANGUAGES)}")
        path = corpus_dir(CORPUS) / "strategies" / f"{language}.csv"
    return _read_strategies(Path(path))


def _read_requests(path: Path) -> list[TydipRequest]:
    match = _LANGUAGE_PREFIX.match(path.name)
    language = match.group(1) if match else None
    requests = []
    for line, row in read_csv_records(path, ("sentence", "score")):
        location = f"{path}:{line}"
        score = parse_number(row["score"], "score", location)
        requests.append(TydipRequest(text=row["sentence"], score=score, label=int(score > 0),
                                     language=language, source=location))
    return requests


def _read_strategies(path: Path) -> dict[str, tuple[StrategyTerm, ...]]:
    strategies: dict[str, list[StrategyTerm]] = {}
    current: list[StrategyTerm] | None = None
    rows = read_csv_rows(path)
    next(rows, None)  # the header is the column numbers "0,1,2"
    for line, fields in rows:
        location = f"{path}:{line}"
        if fields[0].startswith(_STRATEGY_HEADER):
            current = strategies.setdefault(fields[0].removeprefix(_STRATEGY_HEADER).strip(), [])
            continue
        if current is None:
            raise ReadError(f"term {fields[0]!r} before any '{_STRATEGY_HEADER}...' row",
                            location=location)
        if len(fields) != 3:
            raise ReadError(f"{len(fields)} fields, expected 3 (term, translations, flag)",
                            location=location)
        current.append(StrategyTerm(fields[0], _parse_translations(fields[1], location),
                                    _parse_flag(fields[2], location)))
    return {name: tuple(terms) for name, terms in strategies.items()}


def _parse_translations(value: str, location: str) -> tuple[tuple[str, int], ...]:
    try:
        parsed = ast.literal_eval(value)
        pairs = tuple((str(word), int(count)) for word, count in parsed)
    except (ValueError, SyntaxError, TypeError) as exc:
        raise ReadError(f"translations {value[:60]!r} are not a list of (word, count) pairs",
                        location=location) from exc
    return pairs


def _parse_flag(value: str, location: str) -> bool:
    if value not in ("True", "False"):
        raise ReadError(f"flag {value!r} is neither True nor False", location=location)
    return value == "True"
