"""Chat exports as CSV: one row per message, grouped into conversations by an id column.

Columns are found by common header names (case-insensitive) unless `ReaderOptions.csv_columns`
names them. Timestamps (ISO 8601 or epoch seconds) order the messages and become turn start
times, in seconds from the conversation's first message.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from scorer.conversation import Conversation, Role, Turn
from scorer.readers.options import CSV_FIELDS
from scorer.readers.registry import register_reader
from scorer.readers.roles import EXPORT_ROLE_VALUES, label_key, role_labels
from scorer.readers.source import Source

DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "conversation_id": ("conversation_id", "conversation", "chat_id", "ticket_id", "session_id",
                        "dialog_id", "dialogue_id", "thread_id", "case_id"),
    "role": ("role", "sender", "sender_type", "author_type", "speaker_role", "party", "from"),
    "text": ("text", "message", "body", "content", "utterance", "message_text"),
    "timestamp": ("timestamp", "time", "created_at", "sent_at", "datetime", "date"),
    "agent_id": ("agent_id", "operator_id"),
    "agent_name": ("agent_name", "operator_name"),
    "customer_id": ("customer_id", "client_id", "user_id", "visitor_id"),
    "customer_name": ("customer_name", "client_name", "visitor_name"),
    "speaker": ("speaker", "author", "sender_name", "author_name"),
    "language": ("language", "lang"),
    "channel": ("channel",),
}
REQUIRED_FIELDS = ("role", "text")
# Conversation-level fields: the first non-empty value in the conversation's rows wins.
_CONVERSATION_FIELDS = ("agent_id", "agent_name", "customer_id", "customer_name", "language",
                        "channel")


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    values: dict[str, str]
    role: Role
    time: datetime | None


def _header_key(name: str) -> str:
    return "_".join(name.strip().casefold().replace("-", " ").replace(".", " ").split())


def _find_columns(header: list[str], source: Source) -> dict[str, int]:
    position: dict[str, int] = {}
    for index, name in enumerate(header):
        position.setdefault(_header_key(name), index)
    columns: dict[str, int] = {}
    for field in CSV_FIELDS:
        configured = source.options.csv_columns.get(field)
        if configured is not None:
            if _header_key(configured) not in position:
                raise source.error(f"column {configured!r} (given for {field}) is not in the "
                                   f"header {header}", line=1)
            columns[field] = position[_header_key(configured)]
            continue
        found = next((position[n] for n in DEFAULT_COLUMNS[field] if n in position), None)
        if found is not None:
            columns[field] = found
    for field in REQUIRED_FIELDS:
        if field not in columns:
            raise source.error(
                f"missing required column for {field!r}: none of "
                f"{', '.join(DEFAULT_COLUMNS[field])} in the header {header}; "
                f"name it with csv_columns", line=1)
    return columns


def _parse_time(value: str) -> datetime:
    """ISO 8601 or epoch seconds (UTC)."""
    try:
        seconds = float(value)
    except ValueError:
        return datetime.fromisoformat(value)
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"epoch seconds {value} out of range") from exc


def _aware(moment: datetime) -> datetime:
    # Rows without a zone are read as UTC so that they can be compared with rows that have one.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _delimiter(source: Source) -> str:
    """The separator used most in the header line (headers seldom hold quoted text)."""
    if source.suffix == ".tsv":
        return "\t"
    header = source.text.split("\n", 1)[0]
    return max(",;\t|", key=header.count)


class _RowReader:
    def __init__(self, source: Source, header: list[str], columns: dict[str, int]) -> None:
        self.source = source
        self.header = header
        self.columns = columns
        roles = role_labels(source.options.role_labels)
        roles.update({label_key(k): v for k, v in source.options.csv_roles.items()})
        self.roles = roles

    def column_name(self, field: str) -> str:
        return self.header[self.columns[field]]

    def read(self, cells: list[str], line: int) -> _Row | None:
        values = {field: cells[i].strip() if i < len(cells) else ""
                  for field, i in self.columns.items()}
        if not values["text"]:
            return None  # attachments and typing notices carry no text to score
        raw_role = values["role"]
        role = self.roles.get(label_key(raw_role)) if raw_role else None
        if role is None:
            known = ", ".join(v for vs in EXPORT_ROLE_VALUES.values() for v in vs)
            raise self.source.error(
                f"column {self.column_name('role')!r}: unknown role {raw_role!r} (known: "
                f"{known}, ...); map it with csv_roles", line=line)
        time = None
        if values.get("timestamp"):
            try:
                time = _parse_time(values["timestamp"])
            except ValueError as exc:
                raise self.source.error(
                    f"column {self.column_name('timestamp')!r}: cannot read time "
                    f"{values['timestamp']!r} ({exc}); use ISO 8601 "
                    "(2024-05-01T10:00:00+00:00) or epoch seconds", line=line) from exc
        return _Row(line, values, role, time)


def _instant(row: _Row) -> datetime:
    assert row.time is not None
    return _aware(row.time)


def _conversation(conversation_id: str, rows: list[_Row], source: Source) -> Conversation:
    timed = [r for r in rows if r.time is not None]
    if timed and len(timed) == len(rows):
        rows = sorted(rows, key=_instant)
    first = min(timed, key=_instant) if timed else None

    def start(row: _Row) -> float | None:
        if row.time is None or first is None:
            return None
        return (_instant(row) - _instant(first)).total_seconds()

    turns = [Turn(role=r.role, text=r.values["text"], speaker=r.values.get("speaker") or None,
                  start=start(r)) for r in rows]
    record: dict[str, Any] = {"id": conversation_id, "turns": turns, "source": str(source.path),
                              "start_time": first.time if first is not None else None}
    for field in _CONVERSATION_FIELDS:
        value = next((r.values[field] for r in rows if r.values.get(field)), None)
        if value is not None:
            record[field] = value
    try:
        return Conversation.model_validate(record)
    except ValidationError as exc:
        raise source.invalid(exc, f"conversation {conversation_id!r}",
                             line=min(r.line for r in rows)) from exc


@register_reader("csv", extensions=(".csv", ".tsv"))
def read_csv_chat(source: Source) -> list[Conversation]:
    reader = csv.reader(io.StringIO(source.text, newline=""), delimiter=_delimiter(source))
    try:
        header = next(reader)
        rows_reader = _RowReader(source, header, _find_columns(header, source))
        groups: dict[str, list[_Row]] = {}
        line = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                row = rows_reader.read(cells, line)
                if row is not None:
                    key = row.values.get("conversation_id") or source.path.stem
                    groups.setdefault(key, []).append(row)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise source.error(f"malformed CSV: {exc}", line=reader.line_num) from exc
    return [_conversation(key, rows, source) for key, rows in groups.items()]
