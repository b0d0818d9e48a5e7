"""The reader registry: each format registers its reader, file extensions and content sniffer.

A file goes to the reader named by `ReaderOptions.format`, else to the readers of its
extension: those with a sniffer are asked first (in registration order), the one without a
sniffer is the extension's fallback.

Some files accompany an input rather than hold conversations: a corpus's metadata beside its
transcripts, which the transcript's reader takes its agent and customer from. Their formats
register as companions (`register_companion`); they are recognised before any reader is
chosen, and set aside when a folder is read or when the conversation they belong to is read
with them; given on their own, they are an error saying what to read instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from scorer.conversation import Conversation
from scorer.errors import CompanionFileError, ConfigError
from scorer.readers.source import Source

ReadFunction = Callable[[Source], list[Conversation]]
Sniffer = Callable[[Source], bool]


class Companion(NamedTuple):
    """What a companion file belongs to."""

    conversation_id: str
    message: str
    """Says so, and what to read instead: the error when the file is given on its own."""


Describer = Callable[[Source], Companion]


@dataclass(frozen=True, slots=True)
class ReaderSpec:
    name: str
    extensions: tuple[str, ...]
    read: ReadFunction
    sniff: Sniffer | None = None


@dataclass(frozen=True, slots=True)
class CompanionSpec:
    """A format of files that accompany inputs: `describe(source)` says which conversation the
    file belongs to and what to read instead."""

    name: str
    extensions: tuple[str, ...]
    sniff: Sniffer
    describe: Describer


READERS: dict[str, ReaderSpec] = {}
COMPANIONS: dict[str, CompanionSpec] = {}


def _normalized(extensions: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)


def register_reader(name: str, extensions: tuple[str, ...] | list[str],
                    sniff: Sniffer | None = None) -> Callable[[ReadFunction], ReadFunction]:
    """Decorator registering `read(source) -> list[Conversation]` as the reader `name`."""

    def decorate(read: ReadFunction) -> ReadFunction:
        if name in READERS:
            raise ValueError(f"reader {name!r} is already registered")
        READERS[name] = ReaderSpec(name, _normalized(extensions), read, sniff)
        return read

    return decorate


def register_companion(name: str, extensions: tuple[str, ...] | list[str],
                       sniff: Sniffer) -> Callable[[Describer], Describer]:
    """Decorator registering `describe(source) -> Companion` for the companion files `sniff`
    recognises."""

    def decorate(describe: Describer) -> Describer:
        if name in COMPANIONS:
            raise ValueError(f"companion format {name!r} is already registered")
        COMPANIONS[name] = CompanionSpec(name, _normalized(extensions), sniff, describe)
        return describe

    return decorate


def known_extensions() -> frozenset[str]:
    return frozenset(e for spec in READERS.values() for e in spec.extensions)


def check_format(name: str | None) -> None:
    if name is not None and name not in READERS:
        raise ConfigError(f"unknown input format {name!r}; choose one of {sorted(READERS)}",
                          location="format")


def _check_not_companion(source: Source) -> None:
    """Raise CompanionFileError when `source` is a companion file, whatever format is forced."""
    for spec in COMPANIONS.values():
        if source.suffix in spec.extensions and spec.sniff(source):
            companion = spec.describe(source)
            raise CompanionFileError(companion.message, location=source.location(),
                                     conversation_id=companion.conversation_id)


def reader_for(source: Source) -> ReaderSpec:
    """The reader of `source`: the forced format, else by extension and content. A companion
    file has none (CompanionFileError)."""
    _check_not_companion(source)
    forced = source.options.format
    if forced is not None:
        check_format(forced)
        return READERS[forced]
    candidates = [spec for spec in READERS.values() if source.suffix in spec.extensions]
    if not candidates:
        raise source.error(f"unsupported file type {source.suffix or '(no extension)'!r}; "
                           f"known: {', '.join(sorted(known_extensions()))}")
    for spec in candidates:
        if spec.sniff is not None and spec.sniff(source):
            return spec
    fallbacks = [spec for spec in candidates if spec.sniff is None]
    if not fallbacks:
        raise source.error(f"content matches none of the {source.suffix} formats "
                           f"({', '.join(s.name for s in candidates)})")
    return fallbacks[0]
