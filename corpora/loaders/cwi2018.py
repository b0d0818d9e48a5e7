"""Complex Word Identification shared task 2018 (Yimam et al., BEA 2018): a target word or
phrase in its sentence, marked complex by at least one of the annotators (binary) and the
fraction of annotators who marked it (probabilistic).

Files are `<Dataset>_<Split>.tsv` (English News, WikiNews, Wikipedia; Spanish; German), eleven
tab-separated columns: HIT id, sentence, start, end, target, native and non-native annotators
who saw it, native and non-native annotators who marked it, binary label, probability."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from corpora.loaders.base import (
    Corpus,
    Licence,
    licence_for,
    parse_int,
    parse_number,
    read_csv_rows,
    resolve_sources,
)
from scorer.errors import ReadError

CORPUS = "cwi2018"
LICENCE: Licence = "eval"
ENGLISH_DATASETS = ("News", "WikiNews", "Wikipedia")
_LANGUAGE_OF_DATASET = {"Spanish": "es", "German": "de", "French": "fr"}
_COLUMNS = ("hit_id", "sentence", "start", "end", "target", "native_seen", "non_native_seen",
            "native_marked", "non_native_marked", "label", "probability")
_INTEGER_COLUMNS = ("start", "end", "native_seen", "non_native_seen", "native_marked",
                    "non_native_marked", "label")


@dataclass(frozen=True)
class CwiTarget:
    hit_id: str
    sentence: str
    start: int
    end: int
    target: str
    native_seen: int
    non_native_seen: int
    native_marked: int
    non_native_marked: int
    label: int
    """1 complex (someone marked it), 0 simple."""
    probability: float
    """Fraction of the annotators who marked it."""
    language: str
    dataset: str
    """News, WikiNews, Wikipedia, Spanish, German, or the file name's first part."""
    split: str
    """train, dev, test, or the file name's second part lowercased."""
    source: str

    @property
    def is_phrase(self) -> bool:
        return " " in self.target.strip()

    @property
    def offsets_match(self) -> bool:
        """Whether `sentence[start:end]` is the target; a few hundred original rows disagree
        (curly apostrophes, Spanish targets cut from longer words)."""
        return self.sentence[self.start:self.end] == self.target


def load_cwi(dataset: str | None = None, split: str | None = None, path: str | Path | None = None,
             licence: Licence | None = None) -> Corpus[CwiTarget]:
    """Targets of a CWI file, or of the `*.tsv` files under a folder (default: the shared
    copy), keeping only `dataset` (e.g. "News", "Spanish") and `split` ("train", "dev") when
    given."""
    sources = tuple(source for source in resolve_sources(path, CORPUS, "**/*.tsv")
                    if _matches(source, dataset, split))
    if not sources:
        raise ReadError(f"no CWI file for dataset={dataset!r} split={split!r}",
                        location=str(path or CORPUS))
    targets = tuple(target for source in sources for target in _read_file(source))
    return Corpus(CORPUS, licence_for(path, licence, LICENCE), sources, targets)


def _name_parts(path: Path) -> tuple[str, str]:
    dataset, _, split = path.stem.partition("_")
    return dataset, split.lower()


def _matches(path: Path, dataset: str | None, split: str | None) -> bool:
    file_dataset, file_split = _name_parts(path)
    return ((dataset is None or file_dataset.lower() == dataset.lower())
            and (split is None or file_split == split.lower()))


def _read_file(path: Path) -> list[CwiTarget]:
    dataset, split = _name_parts(path)
    language = _LANGUAGE_OF_DATASET.get(dataset, "en")
    targets = []
    # Sentences hold bare quotes, so fields are split on tabs only, never CSV-quoted.
    for line, fields in read_csv_rows(path, delimiter="\t", quoting=False):
        location = f"{path}:{line}"
        if len(fields) != len(_COLUMNS):
            raise ReadError(f"{len(fields)} tab-separated fields, expected {len(_COLUMNS)} "
                            "(an unlabelled test file has 7)", location=location)
        row = dict(zip(_COLUMNS, fields, strict=True))
        numbers = {name: parse_int(row[name], name, location) for name in _INTEGER_COLUMNS}
        if numbers["label"] not in (0, 1):
            raise ReadError(f"field 'label': {numbers['label']} is neither 0 nor 1",
                            location=location)
        targets.append(CwiTarget(
            hit_id=row["hit_id"], sentence=row["sentence"], target=row["target"], **numbers,
            probability=parse_number(row["probability"], "probability", location),
            language=language, dataset=dataset, split=split, source=location))
    return targets
