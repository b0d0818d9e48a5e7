"""The conversation model every stage reads and annotates.

Times are seconds from the start of the conversation; `start_time` anchors them to the clock.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


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
    start_time: datetime | None = None
    language: str | None = None
    turns: list[Turn]
    source: str | None = Field(default=None, description="where the conversation was read from")

    def agent_turns(self) -> list[tuple[int, Turn]]:
        """(index, turn) for every agent turn, in order."""
        return [(i, t) for i, t in enumerate(self.turns) if t.role is Role.AGENT]
