"""Reading files and folders into conversations; a bad file becomes a failure, not a stop."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scorer.conversation import Conversation
from scorer.errors import CompanionFileError, ReadError
from scorer.readers.options import ReaderOptions
from scorer.readers.registry import check_format, known_extensions, reader_for
from scorer.readers.source import Source


@dataclass
class ReadBatch:
    conversations: list[Conversation] = field(default_factory=list)
    failures: list[ReadError] = field(default_factory=list)
    companions: list[Path] = field(default_factory=list)
    """Files found in folders that accompany inputs (a corpus's metadata): not read alone."""


def read_file(path: Path | str, options: ReaderOptions | None = None) -> list[Conversation]:
    """The conversations in one file; ReadError names the file and where it went wrong."""
    options = options or ReaderOptions()
    source = Source(Path(path), options)
    conversations = reader_for(source).read(source)
    if not conversations:
        raise source.error("no conversations found")
    for conversation in conversations:
        if not conversation.turns:
            raise source.error(f"conversation {conversation.id!r} has no turns")
    overrides = {key: value for key, value in
                 (("channel", options.channel), ("language", options.language))
                 if value is not None}
    return [c.model_copy(update=overrides) for c in conversations] if overrides \
        else conversations


def list_input_files(paths: Iterable[Path | str]) -> list[Path]:
    """The files `read_paths` would read: given files as they are, folders walked recursively
    (sorted; hidden entries skipped; only extensions some reader knows)."""
    return [path for path, _ in _input_files(paths)]


def _input_files(paths: Iterable[Path | str]) -> list[tuple[Path, bool]]:
    """(file, whether it was given by name rather than found in a folder)."""
    extensions = known_extensions()
    files: list[tuple[Path, bool]] = []
    for given in map(Path, paths):
        if not given.is_dir():
            files.append((given, True))
            continue
        for path in sorted(given.rglob("*")):
            relative = path.relative_to(given).parts
            if (path.is_file() and path.suffix.lower() in extensions
                    and not any(part.startswith(".") for part in relative)):
                files.append((path, False))
    return files


def read_paths(paths: Iterable[Path | str], options: ReaderOptions | None = None,
               on_file: Callable[[Path], None] | None = None) -> ReadBatch:
    """Read every file and folder in `paths`; `on_file(path)` is called before each file.
    Companion files (metadata beside transcripts) found in folders, or given by name with the
    conversation they belong to, are set aside; one given by name without it is a failure
    saying what to read instead."""
    options = options or ReaderOptions()
    check_format(options.format)
    batch = ReadBatch()
    named_companions: list[tuple[Path, CompanionFileError]] = []
    for path, named in _input_files(paths):
        if on_file is not None:
            on_file(path)
        try:
            batch.conversations.extend(read_file(path, options))
        except CompanionFileError as error:
            if named:
                named_companions.append((path, error))
            else:
                batch.companions.append(path)
        except ReadError as error:
            batch.failures.append(error)
    read = {conversation.id for conversation in batch.conversations}
    for path, companion in named_companions:
        if companion.conversation_id in read:
            batch.companions.append(path)
        else:
            batch.failures.append(companion)
    return batch
