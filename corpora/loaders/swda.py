"""Switchboard Dialog Act Corpus, train split as prepared by NathanDuran/Switchboard-Corpus:
one file per telephone conversation, one `speaker|text|tag` line per utterance.

The service-relevant tags are kept as classes and everything else becomes `other`. The shared
copy has no held-out conversations of its own, so `heldout` marks a fixed fifth of the
conversations chosen by a hash of the conversation id: stable across runs and machines."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from corpora.loaders.base import Corpus, Licence, licence_for, read_text, resolve_sources
from corpora.paths import corpus_dir
from scorer.errors import ReadError

CORPUS = "swda"
LICENCE: Licence = "eval"

TAGS_OF_INTEREST = ("fp", "fc", "ft", "fa", "ba")
"""Conventional opening, conventional closing, thanking, apology, appreciation."""
OTHER = "other"
HELDOUT_PERCENT = 20

Split = Literal["train", "heldout"]


@dataclass(frozen=True)
class SwdaUtterance:
    conversation_id: str
    index: int
    """Position in the conversation, from 0."""
    speaker: str
    text: str
    tag: str
    """The SWBD-DAMSL tag as in the file (41 classes)."""
    label: str
    """`tag` if it is one of TAGS_OF_INTEREST, else `other`."""
    split: Split
    source: str


def load_swda(path: str | Path | None = None,
              licence: Licence | None = None) -> Corpus[SwdaUtterance]:
    """Utterances of a conversation file, or of every `*.txt` file in a folder (default: the
    shared train split), in file and utterance order."""
    sources = resolve_sources(corpus_dir(CORPUS) / "train" if path is None else path,
                              CORPUS, "*.txt")
    utterances = tuple(u for source in sources for u in _read_conversation(source))
    return Corpus(CORPUS, licence_for(path, licence, LICENCE), sources, utterances)


def split_of(conversation_id: str) -> Split:
    """`heldout` for a fixed HELDOUT_PERCENT of conversation ids, else `train`."""
    digest = hashlib.sha256(conversation_id.encode("utf-8")).digest()
    return "heldout" if int.from_bytes(digest[:8], "big") % 100 < HELDOUT_PERCENT else "train"


def conversations(corpus: Corpus[SwdaUtterance]) -> dict[str, list[SwdaUtterance]]:
    """Conversation id → its utterances in order (for context features)."""
    grouped: dict[str, list[SwdaUtterance]] = defaultdict(list)
    for utterance in corpus:
        grouped[utterance.conversation_id].append(utterance)
    return dict(grouped)


def _read_conversation(path: Path) -> list[SwdaUtterance]:
    conversation_id = path.stem
    split = split_of(conversation_id)
    utterances: list[SwdaUtterance] = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        location = f"{path}:{number}"
        speaker, sep, rest = line.partition("|")
        text, sep2, tag = rest.rpartition("|")
        if not (sep and sep2) or not speaker or not tag:
            raise ReadError(f"expected 'speaker|text|tag', got {line[:80]!r}", location=location)
        utterances.append(SwdaUtterance(
            conversation_id=conversation_id, index=len(utterances), speaker=speaker.strip(),
            text=text.strip(), tag=tag.strip(),
            label=tag.strip() if tag.strip() in TAGS_OF_INTEREST else OTHER,
            split=split, source=location))
    return utterances
