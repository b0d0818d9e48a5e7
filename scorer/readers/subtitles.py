"""Call transcripts as subtitles: WebVTT and SRT cues with the speaker in each cue.

The speaker is a VTT voice span (`<v Agent>Hello</v>`, `<v Customer Bob>`) or a label prefix
in the cue text (`Agent: Hello`, `[Agent] Hello`); a cue line without one continues the
speaker before it. Cue times become turn start and end.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import srt
import webvtt
from pydantic import ValidationError
from webvtt.errors import MalformedCaptionError, MalformedFileError

from scorer.conversation import Channel, Conversation, Role
from scorer.readers.registry import register_reader
from scorer.readers.roles import resolve_label, role_labels
from scorer.readers.source import Source, line_at

_VOICE = re.compile(r"^\s*<v(?:\.[\w-]+)*\s+(?P<name>[^>]+)>")
_TAG = re.compile(r"<[^>]*>")
_PREFIX = re.compile(r"^\s*(?:\[(?P<bracketed>[^\]]{1,40})\]|(?P<label>[^:：\[]{1,40}?)\s*[:：])"
                     r"\s*(?P<text>.*)$")
_SRT_TIMING = re.compile(r"^\s*\d+:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d+:\d{2}:\d{2}[,.]\d{1,3}")
_VTT_TIMING = re.compile(r"^\s*(?:\d+:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(?:\d+:)?\d{2}:\d{2}\.\d{3}"
                         r"(?:\s|$)")


@dataclass(frozen=True, slots=True)
class _Cue:
    line: int | None  # of the timing line
    start: float
    end: float
    lines: list[str]


def _timing_lines(source: Source, pattern: re.Pattern[str], example: str) -> list[int]:
    """Line numbers of the cue timing lines; ReadError at the first malformed one."""
    found = []
    for number, line in enumerate(source.text.splitlines(), start=1):
        if "-->" in line:
            if not pattern.match(line):
                raise source.error(f"malformed cue timing {line.strip()!r}; expected e.g. "
                                   f"{example!r}", line=number)
            found.append(number)
    return found


def _turns(cues: Iterable[_Cue], source: Source) -> list[dict[str, Any]]:
    labels = role_labels(source.options.role_labels)
    turns: list[dict[str, Any]] = []
    for cue in cues:
        current: dict[str, Any] | None = None
        for raw in cue.lines:
            speaker = _speaker(raw, labels, source, cue)
            text = html.unescape(_TAG.sub("", speaker[2] if speaker else raw)).strip()
            if speaker is not None:
                current = {"role": speaker[0], "speaker": speaker[1], "text": text,
                           "start": cue.start, "end": cue.end}
                turns.append(current)
            elif current is None and turns and text:
                # A cue without a label goes on with the last speaker, from its own start.
                current = {**turns[-1], "text": text, "start": cue.start, "end": cue.end}
                turns.append(current)
            elif current is not None and text:
                current["text"] = f"{current['text']} {text}".strip()
            elif text:
                raise source.error("cue has no speaker: start it with a voice span "
                                   "'<v Agent>' or a label 'Agent:' / '[Agent]'", line=cue.line)
    return [t for t in turns if t["text"]]


def _speaker(raw: str, labels: Mapping[str, Role], source: Source,
             cue: _Cue) -> tuple[Role, str | None, str] | None:
    """(role, speaker name, rest of the line) if the line names its speaker."""
    voice = _VOICE.match(raw)
    if voice is not None:
        name = voice["name"].strip()
        resolved = resolve_label(name, labels, name_after_label=True)
        if resolved is None:
            raise source.error(f"unknown voice {name!r}: map it to a role with role_labels",
                               line=cue.line)
        role, speaker = resolved
        return role, speaker, raw[voice.end():]
    prefix = _PREFIX.match(_TAG.sub("", raw))
    if prefix is None:
        return None
    label = prefix["bracketed"] or prefix["label"]
    resolved = resolve_label(label, labels)
    return (resolved[0], resolved[1], prefix["text"]) if resolved else None


def _conversation(cues: list[_Cue], source: Source) -> list[Conversation]:
    if not cues:
        raise source.error("no cues found")
    record = {"id": source.path.stem, "channel": Channel.CALL, "turns": _turns(cues, source),
              "source": str(source.path)}
    try:
        return [Conversation.model_validate(record)]
    except ValidationError as exc:
        raise source.invalid(exc, "subtitles") from exc


def _looks_like_vtt(source: Source) -> bool:
    return source.text.lstrip().startswith("WEBVTT")


def _looks_like_srt(source: Source) -> bool:
    head = source.text.lstrip().splitlines()[:2]
    return len(head) == 2 and head[0].strip().isdigit() and bool(_SRT_TIMING.match(head[1]))


@register_reader("webvtt", extensions=(".vtt", ".txt"), sniff=_looks_like_vtt)
def read_webvtt(source: Source) -> list[Conversation]:
    if not _looks_like_vtt(source):
        raise source.error("not a WebVTT file: the first line must be 'WEBVTT'", line=1)
    timing = _timing_lines(source, _VTT_TIMING, "00:00:01.500 --> 00:00:04.000")
    try:
        captions = webvtt.from_string(source.text, strict=True).captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise source.error(f"malformed WebVTT: {exc}") from exc
    cues = [_Cue(_nth(timing, i), c.start_time.in_milliseconds() / 1000,
                 c.end_time.in_milliseconds() / 1000, list(c.lines))
            for i, c in enumerate(captions)]
    _check_order(cues, source)
    return _conversation(cues, source)


@register_reader("srt", extensions=(".srt", ".txt"), sniff=_looks_like_srt)
def read_srt(source: Source) -> list[Conversation]:
    timing = _timing_lines(source, _SRT_TIMING, "00:00:01,500 --> 00:00:04,000")
    try:
        subtitles = list(srt.parse(source.text))
    except srt.SRTParseError as exc:
        raise source.error(f"malformed SRT near {exc.unmatched_content[:60]!r}",
                           line=line_at(source.text, exc.expected_start)) from exc
    cues = [_Cue(_nth(timing, i), s.start.total_seconds(), s.end.total_seconds(),
                 s.content.splitlines()) for i, s in enumerate(subtitles)]
    _check_order(cues, source)
    return _conversation(cues, source)


def _nth(lines: list[int], index: int) -> int | None:
    # Timing lines inside NOTE blocks could shift the count; a missing line is only less precise.
    return lines[index] if index < len(lines) else None


def _check_order(cues: list[_Cue], source: Source) -> None:
    for cue in cues:
        if cue.end < cue.start:
            raise source.error(f"cue ends ({cue.end}s) before it starts ({cue.start}s)",
                               line=cue.line)
