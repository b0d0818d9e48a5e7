"""Call recordings, transcribed by the speech-to-text stage (`scorer.asr`) into a conversation.

What the recording system knows of a call (agent id and name, customer id and name, start
time, language) comes from a YAML file beside the recording with the same stem: `call.flac` and
`call.yaml`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from scorer.conversation import Conversation
from scorer.readers.registry import register_reader
from scorer.readers.source import Source

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")


class CallMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: str | None = None
    agent_name: str | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    start_time: datetime | None = None
    language: str | None = None


@register_reader("audio", extensions=AUDIO_EXTENSIONS)
def read_call(source: Source) -> list[Conversation]:
    from scorer.asr.transcribe import transcribe_call  # loads faster-whisper: only for calls

    metadata = _metadata(source)
    language = source.options.language or metadata.language or source.options.asr.language
    conversation = transcribe_call(source.path, replace(source.options.asr, language=language))
    known = metadata.model_dump(exclude_none=True, exclude={"language"})
    return [conversation.model_copy(update=known)]


def _metadata(source: Source) -> CallMetadata:
    path = source.path.with_suffix(".yaml")
    if not path.is_file():
        return CallMetadata()
    try:
        return CallMetadata.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except yaml.YAMLError as exc:
        raise source.error(f"call metadata {path.name} is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise source.invalid(exc, f"call metadata {path.name}") from exc
