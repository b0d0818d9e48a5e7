"""EPITOME (Sharma et al., EMNLP 2020), Reddit part: a seeker's post and a response rated for
three empathy communication mechanisms, each at level 0 (none), 1 (weak) or 2 (strong), with
the response spans that justify the level (`|`-separated in the files)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from corpora.loaders.base import (
    Corpus,
    Licence,
    licence_for,
    parse_int,
    read_csv_records,
    resolve_sources,
)
from scorer.errors import ConfigError, ReadError

CORPUS = "empathy_epitome"
LICENCE: Licence = "eval"

Mechanism = Literal["emotional_reactions", "interpretations", "explorations"]
MECHANISMS: tuple[Mechanism, ...] = ("emotional_reactions", "interpretations", "explorations")
_FILE_PREFIXES: dict[str, Mechanism] = {
    "emotional-reactions": "emotional_reactions",
    "interpretations": "interpretations",
    "explorations": "explorations",
}
_COLUMNS = ("sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales")


@dataclass(frozen=True)
class EpitomeExample:
    mechanism: Mechanism
    seeker_id: str
    """Seeker post id: the group for cross-validation (one post, several responses)."""
    response_id: str
    seeker_post: str
    response_post: str
    level: int
    rationales: tuple[str, ...]
    """Parts of the response that justify the level, in file order."""
    source: str

    def rationale_spans(self) -> list[tuple[int, int]]:
        """(start, end) in `response_post` of each rationale found verbatim there; a few
        rationales in the original files are not exact substrings and are skipped."""
        spans = []
        for rationale in self.rationales:
            start = self.response_post.find(rationale)
            if start >= 0:
                spans.append((start, start + len(rationale)))
        return spans


def load_epitome(mechanism: Mechanism | None = None, path: str | Path | None = None,
                 licence: Licence | None = None) -> Corpus[EpitomeExample]:
    """Examples of the mechanism files under `path` (default: the shared copy), one mechanism
    or all three. A file whose name does not start with a mechanism needs `mechanism`."""
    sources = resolve_sources(path, CORPUS, "*.csv")
    examples: list[EpitomeExample] = []
    read_any = []
    for source in sources:
        file_mechanism = _mechanism_of(source) or mechanism
        if file_mechanism is None:
            raise ConfigError("cannot tell the empathy mechanism from the file name; "
                              "pass the mechanism", location=str(source))
        if mechanism is None or file_mechanism == mechanism:
            read_any.append(source)
            examples.extend(_read_file(source, file_mechanism))
    if not read_any:
        raise ConfigError(f"no EPITOME file for mechanism {mechanism!r}",
                          location=str(path or CORPUS))
    return Corpus(CORPUS, licence_for(path, licence, LICENCE), tuple(read_any), tuple(examples))


def _mechanism_of(path: Path) -> Mechanism | None:
    for prefix, mechanism in _FILE_PREFIXES.items():
        if path.name.startswith(prefix):
            return mechanism
    return None


def _read_file(path: Path, mechanism: Mechanism) -> list[EpitomeExample]:
    examples = []
    for line, row in read_csv_records(path, _COLUMNS):
        location = f"{path}:{line}"
        level = parse_int(row["level"], "level", location)
        if level not in (0, 1, 2):
            raise ReadError(f"field 'level': {level} is not 0, 1 or 2", location=location)
        examples.append(EpitomeExample(
            mechanism=mechanism, seeker_id=row["sp_id"], response_id=row["rp_id"],
            seeker_post=row["seeker_post"], response_post=row["response_post"], level=level,
            rationales=tuple(part for part in row["rationales"].split("|") if part.strip()),
            source=location))
    return examples
