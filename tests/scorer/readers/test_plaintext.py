from datetime import datetime, timedelta, timezone

import pytest

from scorer.conversation import Channel, Role
from scorer.errors import ReadError
from scorer.readers import ReaderOptions, read_file
from scorer.readers.plaintext import parse_clock
from tests.scorer.readers.readers_paths import BROKEN, FIXTURES


def test_header_timestamps_labels_and_continuations():
    (call,) = read_file(FIXTURES / "transcript_en.txt")
    assert call.id == "call-0042"
    assert (call.agent_id, call.agent_name, call.channel) == ("a-17", "Anna", Channel.CALL)
    assert call.start_time == datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(0)))
    assert [t.role for t in call.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT,
                                           Role.CUSTOMER, Role.SYSTEM]
    assert [t.start for t in call.turns] == [1.0, 7.0, 62.5, 90.0, None]
    assert call.turns[0].speaker == "Anna"
    # An unlabelled line continues the turn; a colon later in the line is text.
    assert call.turns[0].text.endswith("my name is Anna.\nHow can I help you today?")
    assert call.turns[1].text == "Hi. My card: it was blocked this morning."


@pytest.mark.parametrize(("name", "roles", "first_words"), [
    ("transcript_ru.txt", [Role.AGENT, Role.CUSTOMER, Role.AGENT], "Здравствуйте!"),
    ("transcript_fa.txt", [Role.AGENT, Role.CUSTOMER], "سلام،"),
])
def test_labels_of_other_languages(name, roles, first_words):
    (chat,) = read_file(FIXTURES / name)
    assert chat.id == name.removesuffix(".txt")  # no header: the file name
    assert [t.role for t in chat.turns] == roles
    assert chat.turns[0].text.split()[0] == first_words


def test_extra_role_labels():
    with pytest.raises(ReadError):
        read_file(BROKEN / "unknown_label.txt")
    options = ReaderOptions(role_labels={Role.AGENT: ["Supervisor"]})
    (chat,) = read_file(BROKEN / "unknown_label.txt", options)
    assert [t.role for t in chat.turns] == [Role.AGENT, Role.AGENT]


@pytest.mark.parametrize(("text", "seconds"), [
    ("00:01:02", 62.0), ("01:02", 62.0), ("1:00:00.5", 3600.5), ("00:07,25", 7.25),
    ("7", None), ("1:2:3:4", None),
])
def test_parse_clock(text, seconds):
    assert parse_clock(text) == seconds
