"""The conversation model every stage reads and annotates.

Times are seconds from the start of the conversation; `start_time` anchors them to the clock.
Languages are ISO 639 codes; IQS scores per language, not per region, so a tag such as "pt-BR"
or "en_GB" is read as its language ("pt", "en"), and "rus" as "ru". A well-formed code IQS has
no formulas or models for ("de") is kept: the criteria that need them are not applicable.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# An ISO 639-1/-2/-3 code, optionally with BCP 47 subtags (region, script): "de", "pt-BR".
_LANGUAGE_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*", re.IGNORECASE)
_MAX_TAG_LENGTH = 35
# The three-letter codes (ISO 639-2/T, 639-2/B, 639-3 individual language) of the languages
# IQS has formulas for, read as their two-letter code.
_TWO_LETTER = {"eng": "en", "ara": "ar", "arb": "ar", "fas": "fa", "per": "fa", "pes": "fa",
               "msa": "ms", "may": "ms", "zsm": "ms", "uzb": "uz", "uzn": "uz", "mon": "mn",
               "khk": "mn", "rus": "ru"}


def language_code(tag: str | None) -> str | None:
    """The lowercase ISO 639 code of a language tag ("pt-BR" → "pt"); ValueError if `tag` is
    not one."""
    if tag is None:
        return None
    match = _LANGUAGE_TAG.fullmatch(tag.strip()) if len(tag) <= _MAX_TAG_LENGTH else None
    if match is None:
        shown = tag if len(tag) <= 20 else f"{tag[:20]}..."
        raise ValueError(f"language {shown!r} is not an ISO 639 language code such as 'en', "
                         "'ru' or 'pt-BR'")
    code = match.group(1).lower()
    return _TWO_LETTER.get(code, code)


class Role(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    BOT = "bot"
    SYSTEM = "system"


class Channel(StrEnum):
    CALL = "call"
    CHAT = "chat"


class WordTiming(BaseModel):
    model_config = ConfigDict(frozen=True)

    word: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    probability: float | None = Field(default=None, ge=0, le=1)


class Turn(BaseModel):
    """One contribution of one party: a chat message or a stretch of speech."""

    role: Role
    text: str
    speaker: str | None = None
    start: float | None = Field(default=None, ge=0)
    end: float | None = Field(default=None, ge=0)
    words: list[WordTiming] = Field(default_factory=list)
    language: str | None = None

    _language_code = field_validator("language")(language_code)

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Turn:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"turn ends ({self.end}s) before it starts ({self.start}s)")
        return self


class Conversation(BaseModel):
    """A call or chat between an agent and a customer, in turn order."""

    id: str = Field(min_length=1)
    channel: Channel = Channel.CHAT
    agent_id: str | None = None
    agent_name: str | None = None
    customer_id: str | None = None
    customer_name: str | None = Field(
        default=None, description="personal data: redaction takes it out wherever it appears")
    start_time: datetime | None = None
    language: str | None = None
    turns: list[Turn]
    source: str | None = Field(default=None, description="where the conversation was read from")

    _language_code = field_validator("language")(language_code)

    def agent_turns(self) -> list[tuple[int, Turn]]:
        """(index, turn) for every agent turn, in order."""
        return [(i, t) for i, t in enumerate(self.turns) if t.role is Role.AGENT]
