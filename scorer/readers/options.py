"""Options shared by every reader: forced format, CSV mapping, speaker labels, overrides."""

from __future__ import annotations

import codecs
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scorer.asr.options import TranscriptionOptions
from scorer.conversation import Channel, Role
from scorer.language import SUPPORTED_LANGUAGES

# The conversation fields a CSV column can feed (keys of `ReaderOptions.csv_columns`).
CSV_FIELDS: tuple[str, ...] = (
    "conversation_id", "role", "text", "timestamp", "agent_id", "agent_name", "customer_id",
    "customer_name", "speaker", "language", "channel",
)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class ReaderOptions(BaseModel):
    """How to read input files; the defaults read every supported format as is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str | None = Field(default=None, description="reader name; skips detection")
    csv_columns: dict[str, str] = Field(
        default_factory=dict, description="conversation field -> CSV column name")
    csv_roles: dict[str, Role] = Field(
        default_factory=dict, description="raw role value in the CSV -> role")
    role_labels: dict[Role, list[str]] | None = Field(
        default=None, description="extra speaker labels for transcripts and subtitles")
    encoding: str | None = Field(default=None, description="text encoding; default UTF-8")
    channel: Channel | None = Field(default=None, description="overrides every conversation's")
    language: str | None = Field(default=None, description="overrides every conversation's")
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    transcript: Literal["human", "asr"] = Field(
        default="human", description="which Harper Valley transcript to read")
    asr: TranscriptionOptions = Field(default_factory=TranscriptionOptions,
                                      description="how call recordings are transcribed")

    @field_validator("csv_columns")
    @classmethod
    def _known_csv_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(CSV_FIELDS))
        if unknown:
            raise ValueError(f"unknown CSV field(s) {unknown}; choose from {list(CSV_FIELDS)}")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError as exc:
                raise ValueError(f"unknown text encoding {value!r}") from exc
        return value

    @field_validator("language")
    @classmethod
    def _supported_language(cls, value: str | None) -> str | None:
        if value is not None and value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"language {value!r} is not supported; choose one of "
                             f"{list(SUPPORTED_LANGUAGES)}")
        return value
