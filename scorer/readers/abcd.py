"""ABCD (Action-Based Conversations Dataset, Chen et al. 2021) chats: a JSON list of
`{"convo_id", "original": [[speaker, text], ...], ...}`, or the full release's
`{"train": [...], "dev": [...], "test": [...]}`. Agent actions ("action") become system turns.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from scorer.conversation import Channel, Conversation, Role, Turn
from scorer.readers.registry import register_reader
from scorer.readers.source import Source

_ROLES = {"agent": Role.AGENT, "customer": Role.CUSTOMER, "action": Role.SYSTEM}
_SPLITS = ("train", "dev", "test")


class _Chat(BaseModel):
    convo_id: int | str
    original: list[tuple[Literal["agent", "customer", "action"], str]]
    scenario: dict[str, Any] = {}

    def customer_name(self) -> str | None:
        """The scenario's `personal.customer_name` (what redaction must take out)."""
        personal = self.scenario.get("personal")
        name = personal.get("customer_name") if isinstance(personal, dict) else None
        return name if isinstance(name, str) and name.strip() else None


def _records(data: Any) -> list[Any] | None:
    if isinstance(data, dict) and data and set(data) <= set(_SPLITS):
        data = [record for split in _SPLITS for record in data.get(split, [])]
    if isinstance(data, list) and data and isinstance(data[0], dict) \
            and {"convo_id", "original"} <= data[0].keys():
        return data
    return None


@register_reader("abcd", extensions=(".json",), sniff=lambda s: _records(s.data) is not None)
def read_abcd(source: Source) -> list[Conversation]:
    records = _records(source.data)
    if records is None:
        raise source.error("expected a JSON list of ABCD chats with convo_id and original")
    conversations = []
    for index, record in enumerate(records):
        try:
            chat = _Chat.model_validate(record)
        except ValidationError as exc:
            raise source.invalid(exc, f"record {index}") from exc
        conversations.append(Conversation(
            id=str(chat.convo_id), channel=Channel.CHAT, language="en", source=str(source.path),
            customer_name=chat.customer_name(),
            turns=[Turn(role=_ROLES[speaker], text=text) for speaker, text in chat.original]))
    return conversations
