"""Harper Valley Bank calls (Gridspace-Stanford), in either of two layouts:

- the corpus's own `data/transcript/<sid>.json`: a list of segments with `speaker_role`,
  `human_transcript`, `transcript` (ASR), `start_ms`, `duration_ms`, `start_timestamp_ms` and
  ASR word offsets/durations;
- the compact copy `{"sid", "segments": [{"role", "start_ms", "dur_ms", "human", "asr"}]}`.

`ReaderOptions.transcript` picks the human or the ASR text; the ASR text keeps word timings.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from scorer.conversation import Channel, Conversation, Role, Turn, WordTiming
from scorer.readers.registry import register_reader
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


def _is_original(data: Any) -> bool:
    return (isinstance(data, list) and bool(data) and isinstance(data[0], dict)
            and {"speaker_role", "start_ms"} <= data[0].keys())


def _is_compact(data: Any) -> bool:
    return isinstance(data, dict) and {"sid", "segments"} <= data.keys()


def _looks_like_harper_valley(source: Source) -> bool:
    return _is_original(source.data) or _is_compact(source.data)


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
    first = segments[0] if segments else None
    start_time = (datetime.fromtimestamp((first.start_timestamp_ms - first.start_ms) / 1000,
                                         tz=UTC)
                  if first is not None and first.start_timestamp_ms is not None else None)
    return [Conversation(id=call_id, channel=Channel.CALL, language="en", turns=turns,
                         start_time=start_time, source=str(source.path))]
