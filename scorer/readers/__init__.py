"""Readers that turn input files into `Conversation`s.

Each format is one module that registers itself with `register_reader`; `read_file` picks the
reader by `ReaderOptions.format`, else by the file's extension and, for `.json` and `.txt`,
by its content.
"""

from scorer.readers import (  # noqa: F401  (importing a reader module registers it)
    abcd,
    audio,
    csv_chat,
    harper_valley,
    iqs_json,
    plaintext,
    stc3,
    subtitles,
)
from scorer.readers.batch import ReadBatch, list_input_files, read_file, read_paths
from scorer.readers.options import ReaderOptions
from scorer.readers.registry import (
    COMPANIONS,
    READERS,
    Companion,
    CompanionSpec,
    ReaderSpec,
    known_extensions,
    register_companion,
    register_reader,
)
from scorer.readers.source import Source

__all__ = [
    "COMPANIONS",
    "READERS",
    "Companion",
    "CompanionSpec",
    "ReadBatch",
    "ReaderOptions",
    "ReaderSpec",
    "Source",
    "known_extensions",
    "list_input_files",
    "read_file",
    "read_paths",
    "register_companion",
    "register_reader",
]
