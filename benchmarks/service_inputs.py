"""The inputs of `service_import.py`: which files of ../shared and samples/ are imported, how
the STC-3 dialogues are written as chunk files, which source group a stored file belongs to,
and the files of ../shared the readers refuse (probed, not imported). See benchmarks/SERVICE.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.service_common import REPO, SHARED

CORPORA = SHARED / "corpora"
STC3 = {"en": CORPORA / "stc3_dch1" / "train_data_en.json",
        "zh": CORPORA / "stc3_dch1" / "train_data_cn.json"}
SMALL_SOURCES = {
    "abcd": [CORPORA / "abcd_sample" / "abcd_sample.json"],
    "harper_valley": sorted((CORPORA / "harper_valley_sample").glob("*.json")),
    "chats": sorted(p for p in (REPO / "samples" / "chats").iterdir()
                    if p.is_file() and p.name != "README.md"),
}
CALLS = sorted((REPO / "samples" / "calls").glob("*.flac"))
PROBES = [
    ("SwDA telephone conversations (speaker|text|tag lines)",
     sorted((CORPORA / "swda" / "train").glob("*.txt"))[:3]),
    ("ABCD folder's other files (guidelines, knowledge base, ontology)",
     [p for p in sorted((CORPORA / "abcd_sample").glob("*.json")) if p.name != "abcd_sample.json"]),
]


@dataclass
class Inputs:
    text: Path
    """Folder of the text inputs (each top-level entry is one job in the Celery setups)."""
    calls: Path
    expected: dict[str, int]
    """Conversations each group should give (stc3-en, stc3-zh, abcd, harper_valley, chats)."""
    audio_seconds: float = 0.0

    def text_entries(self) -> list[Path]:
        return sorted(self.text.iterdir())

    def call_entries(self) -> list[Path]:
        return sorted(self.calls.glob("*.flac"))


def _share(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def prepare_inputs(folder: Path, conversations: int | None, chunks: int,
                   calls: bool) -> Inputs:
    """The import folder: STC-3 subsets written as chunk files (the same JSON layout), the
    small sources linked in. `conversations` caps the text conversations (None: all)."""
    from scorer.readers import ReaderOptions, read_file

    text, call_dir = folder / "text", folder / "calls"
    text.mkdir(parents=True)
    call_dir.mkdir()
    expected: dict[str, int] = {}
    small = 0
    for group, paths in SMALL_SOURCES.items():
        target = text / group
        target.mkdir()
        count = 0
        for path in paths:
            (target / path.name).symlink_to(path)
            if path.suffix.lower() in (".json", ".jsonl", ".csv", ".txt"):
                count += len(read_file(path, ReaderOptions()))
        expected[group], small = count, small + count
    dialogues = {lang: json.loads(path.read_text(encoding="utf-8"))
                 for lang, path in STC3.items()}
    if conversations is None:
        wanted = {lang: len(items) for lang, items in dialogues.items()}
    else:
        rest = max(0, conversations - small)
        wanted = dict(zip(dialogues, _share(rest, len(dialogues)), strict=True))
    for lang, items in dialogues.items():
        items = items[:wanted[lang]]
        expected[f"stc3-{lang}"] = len(items)
        parts = max(1, min(chunks, len(items)))
        start = 0
        for number, size in enumerate(_share(len(items), parts), start=1):
            if size:
                chunk = text / f"stc3-{lang}-{number:02d}.json"
                chunk.write_text(json.dumps(items[start:start + size], ensure_ascii=False),
                                 encoding="utf-8")
            start += size
    seconds = 0.0
    if calls:
        import soundfile

        for path in CALLS:
            (call_dir / path.name).symlink_to(path)
            meta = path.with_suffix(".yaml")
            if meta.is_file():
                (call_dir / meta.name).symlink_to(meta)
            seconds += soundfile.info(str(path)).duration
        expected["calls"] = len(CALLS)
    return Inputs(text, call_dir, expected, seconds)


def probe_formats() -> list[tuple[str, str, str]]:
    """Files of ../shared the readers refuse, with the reader's message (not imported)."""
    from scorer.errors import IQSError
    from scorer.readers import ReaderOptions, read_file

    rows: list[tuple[Any, ...]] = []
    for what, paths in PROBES:
        for path in paths:
            try:
                found = f"read: {len(read_file(path, ReaderOptions()))} conversation(s)"
            except IQSError as exc:
                found = "refused: " + str(exc).replace(str(CORPORA) + "/", "")[:220]
            rows.append((what, str(path.relative_to(SHARED.parent)), found))
    return rows


def source_group(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1]
    if name.startswith(("stc3-en", "stc3-zh")):
        return name[:7]
    for group, paths in SMALL_SOURCES.items():
        if name in {p.name for p in paths}:
            return group
    return "calls" if name.endswith(".flac") else "other"
