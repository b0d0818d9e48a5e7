"""One input file as the readers see it: size-checked, decoded text and parsed JSON, with
helpers that build errors naming the file and the line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scorer.errors import ReadError, describe_validation
from scorer.readers.options import ReaderOptions


@dataclass
class Source:
    path: Path
    options: ReaderOptions

    def location(self, line: int | None = None, column: int | None = None) -> str:
        """`path`, `path:line` or `path:line:column`."""
        parts = [str(self.path)]
        if line is not None:
            parts.append(str(line))
            if column is not None:
                parts.append(str(column))
        return ":".join(parts)

    def error(self, message: str, line: int | None = None,
              column: int | None = None) -> ReadError:
        return ReadError(message, location=self.location(line, column))

    def invalid(self, exc: ValidationError, what: str, line: int | None = None) -> ReadError:
        """A ReadError for a record that failed validation: `what` names the record."""
        return self.error(f"{what}: {describe_validation(exc)}", line=line)

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @cached_property
    def raw(self) -> bytes:
        if not self.path.is_file():
            raise self.error("no such file" if not self.path.exists() else "not a file")
        size = self.path.stat().st_size
        limit = self.options.max_bytes
        if size > limit:
            raise self.error(f"file is {_size(size)}, over the limit of {_size(limit)} "
                             "(raise max_bytes to read it)")
        data = self.path.read_bytes()
        if not data.strip():
            raise self.error("file is empty")
        return data

    @cached_property
    def text(self) -> str:
        """The decoded text: the given encoding, else UTF-8 (a byte-order mark is dropped)."""
        encoding = self.options.encoding or "utf-8-sig"
        try:
            text = self.raw.decode(encoding)
        except UnicodeDecodeError as exc:
            line = self.raw.count(b"\n", 0, exc.start) + 1
            hint = ("; pass the file's encoding, e.g. --encoding cp1251"
                    if self.options.encoding is None else "")
            name = self.options.encoding or "UTF-8"
            raise self.error(f"not valid {name} text: byte 0x{self.raw[exc.start]:02x} at "
                             f"offset {exc.start}{hint}", line=line) from exc
        return text.removeprefix("\ufeff")

    @cached_property
    def data(self) -> Any:
        """The file parsed as one JSON document."""
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise self.error(f"invalid JSON: {exc.msg}", line=exc.lineno,
                             column=exc.colno) from exc


def _size(n: int) -> str:
    return f"{n:,} bytes" if n < 1024 * 1024 else f"{n / (1024 * 1024):.1f} MB ({n:,} bytes)"


def line_at(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1
