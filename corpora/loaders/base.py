"""What every corpus loader shares: the `Corpus` container with its licence class, file
resolution (the shared copy or a user's file or folder) and line-numbered reading."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Literal, TypeVar

from corpora.paths import corpus_dir
from scorer.errors import ConfigError, ReadError

Licence = Literal["ship", "eval"]
"""`ship`: may train the default shipped models; `eval`: evaluation and research only."""

E = TypeVar("E")


@dataclass(frozen=True)
class Corpus(Generic[E]):
    """Typed examples read from one or more files, with the licence class that decides
    whether they may train a shipped model."""

    name: str
    licence: Licence
    sources: tuple[Path, ...]
    examples: tuple[E, ...]

    def __len__(self) -> int:
        return len(self.examples)

    def __repr__(self) -> str:
        return f"Corpus({self.name!r}, {self.licence}, {len(self.examples)} examples)"

    def __iter__(self) -> Iterator[E]:
        return iter(self.examples)

    def __getitem__(self, index: int) -> E:
        return self.examples[index]

    def where(self, keep: Callable[[E], bool]) -> Corpus[E]:
        """The same corpus restricted to the examples `keep` accepts."""
        kept = tuple(example for example in self.examples if keep(example))
        return Corpus(self.name, self.licence, self.sources, kept)

    def require_shippable(self) -> None:
        """Refuse data that may not train a model the project ships."""
        if self.licence != "ship":
            sources = ", ".join(str(path) for path in self.sources)
            raise ConfigError(
                f"corpus {self.name!r} is licensed for evaluation only and cannot train a "
                "shipped model", location=sources)


def resolve_sources(path: str | Path | None, corpus: str, pattern: str) -> tuple[Path, ...]:
    """The files to read: `path` itself if it is a file, the files matching `pattern` under
    `path` if it is a folder, else those under the shared copy of `corpus`."""
    root = corpus_dir(corpus) if path is None else Path(path)
    if root.is_file():
        return (root,)
    if not root.is_dir():
        raise ConfigError("no such file or folder", location=str(root))
    files = tuple(sorted(p for p in root.glob(pattern) if p.is_file()))
    if not files:
        raise ConfigError(f"no files matching {pattern!r}", location=str(root))
    return files


def licence_for(path: str | Path | None, licence: Licence | None,
                corpus_licence: Licence) -> Licence:
    """The shared copy carries its SOURCES.md class; data given by path is counted as `eval`
    unless the caller declares otherwise, so an unknown file can never train a shipped model."""
    if licence is not None:
        return licence
    return corpus_licence if path is None else "eval"


def read_text(path: Path) -> str:
    """The file decoded as UTF-8 (a leading BOM dropped); bad bytes are reported by line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReadError(f"not valid UTF-8 ({exc.reason})", location=f"{path}:{line}") from exc


def read_header(path: Path) -> str:
    """The first line of a file, decoded like `read_text`, without reading the rest: enough
    to tell which corpus format a file is in."""
    with path.open("rb") as stream:
        first = stream.readline()
    try:
        return first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise ReadError(f"not valid UTF-8 ({exc.reason})", location=f"{path}:1") from exc


def read_csv_rows(path: Path, delimiter: str = ",",
                  quoting: bool = True) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) for each non-empty record of a CSV file; with
    `quoting=False` quote characters are plain text (tab-separated files)."""
    reader = csv.reader(io.StringIO(read_text(path), newline=""), delimiter=delimiter,
                        quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE)
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ReadError(f"bad CSV: {exc}", location=f"{path}:{start}") from exc
        if fields:
            yield start, fields


def read_csv_records(path: Path, required: Sequence[str],
                     delimiter: str = ",") -> Iterator[tuple[int, dict[str, str]]]:
    """(first line number, row) for each record of a CSV file with a header row, checking
    that the header has the `required` columns and each record the header's field count."""
    rows = read_csv_rows(path, delimiter)
    _, header = next(rows, (1, []))
    missing = [name for name in required if name not in header]
    if missing:
        raise ReadError(f"header lacks column(s) {', '.join(missing)}; found: {', '.join(header)}",
                        location=f"{path}:1")
    for line, fields in rows:
        if len(fields) != len(header):
            raise ReadError(f"{len(fields)} fields, expected {len(header)} ({', '.join(header)})",
                            location=f"{path}:{line}")
        yield line, dict(zip(header, fields, strict=True))


def parse_number(value: str, field: str, location: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ReadError(f"field {field!r}: {value!r} is not a number", location=location) from None


def parse_int(value: str, field: str, location: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ReadError(f"field {field!r}: {value!r} is not an integer",
                        location=location) from None
