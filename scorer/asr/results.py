"""What the recogniser returns, before it becomes a Conversation."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RecognizedWord:
    text: str
    start: float  # seconds from the start of the recording
    end: float
    probability: float


@dataclass(frozen=True, slots=True)
class RecognizedSegment:
    """A stretch of speech of one channel, with Whisper's confidence figures."""

    start: float
    end: float
    text: str
    words: tuple[RecognizedWord, ...]
    avg_logprob: float
    no_speech_prob: float
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A segment the hallucination guards dropped, and why."""

    segment: RecognizedSegment
    reason: str


@dataclass(slots=True)
class ChannelTranscript:
    """The kept and the rejected segments of one channel (or of the mono mix)."""

    channel: int
    language: str | None = None
    segments: list[RecognizedSegment] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
