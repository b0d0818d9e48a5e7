"""Plain-text transcripts: `Agent: ...` / `Customer: ...` lines, in any supported language.

    # id: 1042            (optional header lines: id, agent_id, agent_name, customer_id,
    # agent_id: a-17       customer_name, channel, language, start_time)
    [00:00:03] Agent (Anna): Hello, this is Anna. How can I help?
    (00:07) Customer: My card is blocked.
    It was blocked yesterday.      <- no label: continues the previous turn

Timestamps (`[hh:mm:ss]`, `[mm:ss]`, `(mm:ss)`, optional fractions) become turn starts.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from scorer.conversation import Conversation, Role
from scorer.readers.registry import register_reader
from scorer.readers.roles import resolve_label, role_labels
from scorer.readers.source import Source

HEADER_KEYS = ("id", "agent_id", "agent_name", "customer_id", "customer_name", "channel",
               "language", "start_time")
_HEADER = re.compile(r"^#\s*(?P<key>[\w ]+?)\s*:\s*(?P<value>.*?)\s*$")
_TIMESTAMP = r"(?:\[(?P<bracketed>[\d:.,]+)\]|\((?P<parenthesized>[\d:.,]+)\))"
_LABEL = r"(?P<label>[^:：\n]{1,40}?)\s*[:：]"
_LINE = re.compile(rf"^\s*(?:{_TIMESTAMP}\s*)?(?:{_LABEL})?\s*(?P<text>.*)$")
_CLOCK = re.compile(r"^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d+))?$")


def parse_clock(value: str) -> float | None:
    """Seconds of `hh:mm:ss`, `mm:ss` or either with a fraction; None if not a time."""
    match = _CLOCK.match(value)
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (float(f"0.{fraction}") if fraction else 0.0)


def _read_header(lines: list[str], source: Source) -> tuple[dict[str, str], dict[str, int], int]:
    """(header values, line of each key, index of the first transcript line)."""
    values: dict[str, str] = {}
    key_lines: dict[str, int] = {}
    index = 0
    while index < len(lines) and (not lines[index].strip() or lines[index].startswith("#")):
        line = lines[index]
        if line.strip():
            match = _HEADER.match(line)
            key = match["key"].strip().casefold().replace(" ", "_") if match else None
            if match is None or key not in HEADER_KEYS:
                raise source.error(f"header line must be '# key: value' with a key from "
                                   f"{', '.join(HEADER_KEYS)}", line=index + 1)
            values[key], key_lines[key] = match["value"], index + 1
        index += 1
    return values, key_lines, index


@register_reader("plaintext", extensions=(".txt",))
def read_plaintext(source: Source) -> list[Conversation]:
    lines = source.text.splitlines()
    header, header_lines, first = _read_header(lines, source)
    labels = role_labels(source.options.role_labels)
    turns: list[dict[str, Any]] = []
    for number, line in enumerate(lines[first:], start=first + 1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        assert match is not None  # every part of the pattern is optional
        resolved = resolve_label(match["label"], labels) if match["label"] else None
        if resolved is None:
            if not turns:
                raise source.error(_unlabelled(match["label"], line), line=number)
            turns[-1]["text"] += "\n" + line.strip()
            continue
        role, speaker = resolved
        stamp = match["bracketed"] or match["parenthesized"]
        start = parse_clock(stamp) if stamp else None
        if stamp and start is None:
            raise source.error(f"cannot read timestamp {stamp!r}; use hh:mm:ss or mm:ss",
                               line=number)
        turns.append({"role": role, "speaker": speaker, "text": match["text"].strip(),
                      "start": start})
    for turn in turns:
        turn["text"] = turn["text"].strip()
    turns = [t for t in turns if t["text"]]
    if not turns:
        raise source.error("no transcript lines after the header")
    record: dict[str, Any] = {"id": source.path.stem, **header, "turns": turns,
                              "source": str(source.path)}
    try:
        return [Conversation.model_validate(record)]
    except ValidationError as exc:
        bad_key = str(exc.errors()[0]["loc"][0])
        raise source.invalid(exc, "transcript", line=header_lines.get(bad_key)) from exc


def _unlabelled(label: str | None, line: str) -> str:
    example = f"{Role.AGENT.value.capitalize()}: ..."
    if label:
        return (f"unknown speaker label {label.strip()!r}; expected a role label such as "
                f"'{example}' (add it with role_labels)")
    return f"the transcript must start with a speaker label such as '{example}', got {line!r}"
