"""IQS's own format: `scorer.conversation.Conversation` as JSON (one object, a list of them, or
`{"conversations": [...]}`) or as JSON Lines (one object per line)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from scorer.conversation import Conversation
from scorer.readers.registry import register_reader
from scorer.readers.source import Source


def _with_source(record: Any, source: Source) -> Any:
    if isinstance(record, dict) and not record.get("source"):
        return {**record, "source": str(source.path)}
    return record


def _id_of(record: Any) -> str:
    if isinstance(record, dict) and isinstance(record.get("id"), str | int):
        return f" (id {record['id']!r})"
    return ""


@register_reader("iqs_json", extensions=(".json",))
def read_iqs_json(source: Source) -> list[Conversation]:
    data = source.data
    if isinstance(data, dict) and "conversations" in data:
        records, prefix = data["conversations"], "conversations"
    elif isinstance(data, dict):
        records, prefix = [data], None
    else:
        records, prefix = data, None
    if not isinstance(records, list):
        raise source.error(f"expected a conversation object or a list of them, "
                           f"got {type(records).__name__}")
    conversations = []
    for index, record in enumerate(records):
        try:
            conversations.append(Conversation.model_validate(_with_source(record, source)))
        except ValidationError as exc:
            what = f"record {index}" if prefix is None else f"{prefix}[{index}]"
            raise source.invalid(exc, what + _id_of(record)) from exc
    return conversations


@register_reader("iqs_jsonl", extensions=(".jsonl", ".ndjson"))
def read_iqs_jsonl(source: Source) -> list[Conversation]:
    conversations = []
    for number, line in enumerate(source.text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise source.error(f"invalid JSON: {exc.msg}", line=number,
                               column=exc.colno) from exc
        try:
            conversations.append(Conversation.model_validate(_with_source(record, source)))
        except ValidationError as exc:
            raise source.invalid(exc, "conversation" + _id_of(record), line=number) from exc
    return conversations
