"""The reader registry: each format registers its reader, file extensions and content sniffer.

A file goes to the reader named by `ReaderOptions.format`, else to the readers of its
extension: those with a sniffer are asked first (in registration order), the one without a
sniffer is the extension's fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scorer.conversation import Conversation
from scorer.errors import ConfigError
from scorer.readers.source import Source

ReadFunction = Callable[[Source], list[Conversation]]
Sniffer = Callable[[Source], bool]


@dataclass(frozen=True, slots=True)
class ReaderSpec:
    name: str
    extensions: tuple[str, ...]
    read: ReadFunction
    sniff: Sniffer | None = None


READERS: dict[str, ReaderSpec] = {}


def register_reader(name: str, extensions: tuple[str, ...] | list[str],
                    sniff: Sniffer | None = None) -> Callable[[ReadFunction], ReadFunction]:
    """Decorator registering `read(source) -> list[Conversation]` as the reader `name`."""
    normalized = tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)

    def decorate(read: ReadFunction) -> ReadFunction:
        if name in READERS:
            raise ValueError(f"reader {name!r} is already registered")
        READERS[name] = ReaderSpec(name, normalized, read, sniff)
        return read

    return decorate


def known_extensions() -> frozenset[str]:
    return frozenset(e for spec in READERS.values() for e in spec.extensions)


def check_format(name: str | None) -> None:
    if name is not None and name not in READERS:
        raise ConfigError(f"unknown input format {name!r}; choose one of {sorted(READERS)}",
                          location="format")


def reader_for(source: Source) -> ReaderSpec:
    """The reader of `source`: the forced format, else by extension and content."""
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
