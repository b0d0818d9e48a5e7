"""Speech-to-text for call recordings: audio file → Conversation with roles and word times.

The options are light to import; `transcribe_call` loads faster-whisper and torch, so it is
imported on first use (readers name the options without paying for the models).
"""

from typing import TYPE_CHECKING, Any

from scorer.asr.options import GuardThresholds, MonoRoleRule, TranscriptionOptions

if TYPE_CHECKING:
    from scorer.asr.transcribe import transcribe_call
    from scorer.asr.webvtt import to_webvtt

__all__ = ["GuardThresholds", "MonoRoleRule", "TranscriptionOptions", "to_webvtt",
           "transcribe_call"]


def __getattr__(name: str) -> Any:
    if name == "transcribe_call":
        from scorer.asr.transcribe import transcribe_call

        return transcribe_call
    if name == "to_webvtt":
        from scorer.asr.webvtt import to_webvtt

        return to_webvtt
    raise AttributeError(f"module 'scorer.asr' has no attribute {name!r}")
