"""Harper Valley Bank calls (Gridspace-Stanford), in either of two layouts:

- the corpus's own `data/transcript/<sid>.json`: a list of segments with `speaker_role`,
  `human_transcript`, `transcript` (ASR), `start_ms`, `duration_ms`, `start_timestamp_ms` and
  ASR word offsets/durations;
- the compact copy `{"sid", "segments": [{"role", "start_ms", "dur_ms", "human", "asr"}]}`.

`ReaderOptions.transcript` picks the human or the ASR text; the ASR text keeps word timings.

The corpus keeps who took part in `data/metadata/<sid>.json` beside `data/transcript/`: the
agent's and the caller's speaker ids (the agent's is the same person across calls), the name
the agent gave and the call's start. A transcript takes them from `../metadata/<sid>.json`, or
from `<sid>.json` in its own folder (a compact copy beside its metadata). The metadata files
are companions: skipped when a folder is read, an error naming the transcript when read alone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from scorer.conversation import Channel, Conversation, Role, Turn, WordTiming
from scorer.readers.registry import Companion, register_companion, register_reader
from scorer.readers.source import Source

_ROLES = {"agent": Role.AGENT, "caller": Role.CUSTOMER}
# Transcribers' non-speech tags: "[noise]", "[laughter]".
_NON_SPEECH = re.compile(r"\[\w+\]")


class _Segment(BaseModel):
    """One segment, under either layout's field names."""

    role: str = Field(validation_alias="speaker_role")
    start_ms: int = Field(ge=0)
    duration_ms: int = Field(ge=0)
    human: str = Field(validation_alias="human_transcript")
    asr: str = Field(default="", validation_alias="transcript")
    start_timestamp_ms: int | None = None
    word_offsets_ms: list[int] = []
    word_durations_ms: list[int] = []


class _CompactSegment(_Segment):
    role: str
    duration_ms: int = Field(ge=0, validation_alias="dur_ms")
    human: str
    asr: str = ""


class _Party(BaseModel):
    """The agent or the caller in the metadata (other fields: survey answers, task forms)."""

    speaker_id: int | str
    metadata: dict[str, Any] = {}


class _Metadata(BaseModel):
    sid: str
    agent: _Party
    caller: _Party
    start_time_ms: int | None = None


def _is_original(data: Any) -> bool:
    return (isinstance(data, list) and bool(data) and isinstance(data[0], dict)
            and {"speaker_role", "start_ms"} <= data[0].keys())


def _is_compact(data: Any) -> bool:
    return isinstance(data, dict) and {"sid", "segments"} <= data.keys()


def _is_metadata(data: Any) -> bool:
    return (isinstance(data, dict) and {"sid", "agent", "caller"} <= data.keys()
            and isinstance(data["agent"], dict))


def _looks_like_harper_valley(source: Source) -> bool:
    return _is_original(source.data) or _is_compact(source.data)


def _looks_like_metadata(source: Source) -> bool:
    return _is_metadata(source.data)


def _transcript_of(metadata: Path, sid: str) -> Path:
    return metadata.parent.parent / "transcript" / f"{sid}.json"


@register_companion("harper_valley_metadata", extensions=(".json",), sniff=_looks_like_metadata)
def describe_metadata(source: Source) -> Companion:
    sid = str(source.data["sid"])
    transcript = _transcript_of(source.path, sid)
    where = str(transcript) if transcript.is_file() else f"../transcript/{sid}.json"
    return Companion(sid, f"Harper Valley metadata of call {sid!r}, not a transcript: read the "
                          f"transcript ({where}) instead; it takes the agent and the caller "
                          "from this file")


def _metadata_paths(source: Source, sid: str) -> list[Path]:
    candidates = [source.path.parent.parent / "metadata" / f"{sid}.json",
                  source.path.parent / f"{sid}.json"]
    return [c for c in candidates if c.is_file() and c.resolve() != source.path.resolve()]


def _read_metadata(source: Source, sid: str) -> _Metadata | None:
    """The call's metadata file, if one is beside the transcript."""
    for path in _metadata_paths(source, sid):
        companion = Source(path, source.options)
        if not _is_metadata(companion.data):
            continue
        try:
            metadata = _Metadata.model_validate(companion.data)
        except ValidationError as exc:
            raise companion.invalid(exc, "Harper Valley metadata") from exc
        if metadata.sid != sid:
            raise companion.error(f"Harper Valley metadata of call {metadata.sid!r} under the "
                                  f"name of call {sid!r}")
        return metadata
    return None


def _from_metadata(metadata: _Metadata | None) -> dict[str, Any]:
    """The Conversation fields the metadata gives."""
    if metadata is None:
        return {}
    agent_name = metadata.agent.metadata.get("agent_name")
    # The caller's name as the task form asked it: what redaction must take out.
    customer_name = metadata.caller.metadata.get("first and last name")
    fields: dict[str, Any] = {"agent_id": str(metadata.agent.speaker_id),
                              "customer_id": str(metadata.caller.speaker_id),
                              "agent_name": agent_name if isinstance(agent_name, str) else None,
                              "customer_name": customer_name
                              if isinstance(customer_name, str) else None}
    if metadata.start_time_ms is not None:
        fields["start_time"] = datetime.fromtimestamp(metadata.start_time_ms / 1000, tz=UTC)
    return fields


def _words(segment: _Segment, start: float) -> list[WordTiming]:
    words = segment.asr.split()
    if not segment.word_offsets_ms or len(words) != len(segment.word_offsets_ms):
        return []
    return [WordTiming(word=w, start=start + offset / 1000,
                       end=start + (offset + duration) / 1000)
            for w, offset, duration in zip(words, segment.word_offsets_ms,
                                           segment.word_durations_ms, strict=True)]


@register_reader("harper_valley", extensions=(".json",), sniff=_looks_like_harper_valley)
def read_harper_valley(source: Source) -> list[Conversation]:
    data = source.data
    model: type[_Segment]
    if _is_compact(data):
        call_id, records, model = str(data["sid"]), data["segments"], _CompactSegment
    elif _is_original(data):
        call_id, records, model = source.path.stem, data, _Segment
    else:
        raise source.error("expected a Harper Valley transcript: a list of segments with "
                           "speaker_role/start_ms, or {'sid', 'segments'}")
    segments: list[_Segment] = []
    for index, record in enumerate(records):
        try:
            segment: _Segment = model.model_validate(record)
        except ValidationError as exc:
            raise source.invalid(exc, f"segment {index}") from exc
        if segment.role not in _ROLES:
            raise source.error(f"segment {index}: role {segment.role!r} is not one of "
                               f"{sorted(_ROLES)}")
        segments.append(segment)
    segments.sort(key=lambda s: s.start_ms)
    turns = []
    for segment in segments:
        text = segment.human if source.options.transcript == "human" else segment.asr
        text = " ".join(_NON_SPEECH.sub(" ", text).split())
        if not text:
            continue
        start = segment.start_ms / 1000
        words = _words(segment, start) if source.options.transcript == "asr" else []
        turns.append(Turn(role=_ROLES[segment.role], text=text, start=start,
                          end=(segment.start_ms + segment.duration_ms) / 1000, words=words))
    fields = _from_metadata(_read_metadata(source, call_id))
    first = segments[0] if segments else None
    if first is not None and first.start_timestamp_ms is not None:
        # The segments' own clock: start_time + turn.start is each segment's timestamp. (The
        # metadata's start_time_ms, the fallback, can differ from it by a few seconds.)
        fields["start_time"] = datetime.fromtimestamp(
            (first.start_timestamp_ms - first.start_ms) / 1000, tz=UTC)
    return [Conversation(id=call_id, channel=Channel.CALL, language="en", turns=turns,
                         source=str(source.path), **fields)]
