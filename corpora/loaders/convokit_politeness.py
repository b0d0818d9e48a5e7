"""ConvoKit politeness strategy markers (CornellNLP/ConvoKit): English (`politeness_local`)
and Chinese (`politeness_cscw_zh`) lexicons. Each strategy lists phrases matched anywhere
(`ngram`), only at the start of a sentence (`starter`) or only elsewhere (`non_starter`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from corpora.loaders.base import Licence, read_text
from corpora.paths import corpus_dir
from scorer.errors import ConfigError, ReadError

CORPUS = "lexicons/convokit_politeness"
LICENCE: Licence = "ship"
LEXICONS = {"en": "politeness_local", "zh": "politeness_cscw_zh"}
MarkerKind = Literal["ngram", "starter", "non_starter"]
_KINDS: dict[MarkerKind, str] = {"ngram": "ngram_markers.json",
                                 "starter": "starter_markers.json",
                                 "non_starter": "non_starter_markers.json"}


@dataclass(frozen=True)
class PolitenessLexicon:
    language: str
    markers: dict[MarkerKind, dict[str, tuple[str, ...]]]
    """Kind → strategy name → marker phrases (Chinese phrases are space-tokenised)."""
    modes: dict[str, str]
    """Strategy → `token` or `segment` where the lexicon says (English only)."""
    licence: Licence
    source: Path

    def strategies(self) -> set[str]:
        return {name for by_strategy in self.markers.values() for name in by_strategy}


def load_politeness_lexicon(language: Literal["en", "zh"] = "en",
                            path: str | Path | None = None) -> PolitenessLexicon:
    """The marker lists of one lexicon folder (default: the shared one for `language`)."""
    if path is None:
        if language not in LEXICONS:
            raise ConfigError(f"no ConvoKit politeness lexicon for {language!r}")
        folder = corpus_dir(CORPUS) / LEXICONS[language]
    else:
        folder = Path(path)
    if not folder.is_dir():
        raise ConfigError("no such lexicon folder", location=str(folder))
    markers: dict[MarkerKind, dict[str, tuple[str, ...]]] = {}
    for kind, name in _KINDS.items():
        file = folder / name
        markers[kind] = _phrase_lists(_read_json(file), file) if file.is_file() else {}
    modes_file = folder / "marker_mode.json"
    modes = _modes(_read_json(modes_file), modes_file) if modes_file.is_file() else {}
    return PolitenessLexicon(language, markers, modes, LICENCE if path is None else "eval",
                             folder)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise ReadError(f"not valid JSON: {exc.msg}", location=f"{path}:{exc.lineno}") from exc


def _phrase_lists(data: Any, path: Path) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, dict):
        raise ReadError("expected an object of strategy → list of phrases", location=str(path))
    lists = {}
    for strategy, phrases in data.items():
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise ReadError(f"strategy {strategy!r}: expected a list of phrases",
                            location=str(path))
        lists[strategy] = tuple(phrases)
    return lists


def _modes(data: Any, path: Path) -> dict[str, str]:
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ReadError("expected an object of strategy → mode", location=str(path))
    return dict(data)
