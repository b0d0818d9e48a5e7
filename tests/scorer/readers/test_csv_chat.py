from datetime import UTC, datetime

import pytest

from scorer.conversation import Role
from scorer.errors import ReadError
from scorer.readers import ReaderOptions, read_file
from scorer.readers.csv_chat import DEFAULT_COLUMNS
from scorer.readers.options import CSV_FIELDS
from tests.scorer.readers.readers_paths import BROKEN, FIXTURES


def test_groups_rows_by_conversation_and_sorts_by_time():
    by_id = {c.id: c for c in read_file(FIXTURES / "chat_export.csv")}
    assert list(by_id) == ["T-100", "T-200"]
    chat = by_id["T-100"]
    assert [t.role for t in chat.turns] == [Role.CUSTOMER, Role.AGENT, Role.AGENT, Role.CUSTOMER]
    # 10:00:05 is the first message; the rest are seconds after it.
    assert [t.start for t in chat.turns] == [0.0, 30.0, 120.0, 175.0]
    assert chat.start_time == datetime(2024, 5, 1, 10, 0, 5, tzinfo=UTC)
    assert chat.agent_id == "a-3" and chat.customer_id == "cust-1"
    assert chat.turns[1].speaker == "Leo"


def test_multiline_message_and_empty_rows():
    chat = read_file(FIXTURES / "chat_export.csv")[0]
    assert chat.turns[2].text == "It is out for delivery today.\nYou will get it by 6 pm."
    # The row with no message text (an attachment) is not a turn.
    assert "" not in [t.text for t in chat.turns]


def test_export_role_values_map_to_roles():
    other = read_file(FIXTURES / "chat_export.csv")[1]
    assert [t.role for t in other.turns] == [Role.CUSTOMER, Role.AGENT]  # visitor, operator
    assert other.turns[1].start == 90.0


def test_column_and_role_mapping_options():
    options = ReaderOptions(csv_columns={"conversation_id": "ticket", "timestamp": "Sent"},
                            csv_roles={"op": Role.AGENT, "cl": Role.CUSTOMER})
    (chat,) = read_file(FIXTURES / "chat_custom.csv", options)  # semicolon-separated
    assert chat.id == "X1"
    assert [t.role for t in chat.turns] == [Role.AGENT, Role.CUSTOMER]
    assert chat.turns[1].start == 60.5  # epoch seconds
    assert chat.start_time == datetime.fromtimestamp(1714557600, tz=UTC)


def test_unmapped_role_value_is_reported():
    with pytest.raises(ReadError, match=r"chat_custom\.csv:2: column 'From': unknown role 'op'"):
        read_file(FIXTURES / "chat_custom.csv")


def test_configured_column_must_exist():
    options = ReaderOptions(csv_columns={"text": "Comment"})
    with pytest.raises(ReadError, match=r"chat_export\.csv:1: column 'Comment' \(given for text\)"):
        read_file(FIXTURES / "chat_export.csv", options)


def test_legacy_encoding_reads_with_the_encoding_option():
    conversations = read_file(BROKEN / "cp1251.csv", ReaderOptions(encoding="cp1251"))
    assert conversations[1].turns[0].text == "Здравствуйте"
    assert conversations[1].turns[0].role is Role.AGENT  # "оператор" from the Russian pack


def test_every_mappable_field_has_default_headers():
    assert set(DEFAULT_COLUMNS) == set(CSV_FIELDS)
