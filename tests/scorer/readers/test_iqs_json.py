import pytest

from scorer.conversation import Channel, Role
from scorer.readers import read_file
from tests.scorer.readers.readers_paths import FIXTURES


@pytest.mark.parametrize(("name", "ids"), [
    ("iqs_single.json", ["chat-001"]),
    ("iqs_list.json", ["l-1", "l-2"]),
    ("iqs_wrapped.json", ["w-1", "w-2"]),
    ("iqs_lines.jsonl", ["j-1", "j-2", "j-3"]),
])
def test_reads_every_iqs_layout(name, ids):
    conversations = read_file(FIXTURES / name)
    assert [c.id for c in conversations] == ids
    assert all(c.source == str(FIXTURES / name) for c in conversations)


def test_single_object_keeps_all_fields():
    (conversation,) = read_file(FIXTURES / "iqs_single.json")
    assert conversation.agent_id == "a-17"
    assert conversation.start_time is not None and conversation.start_time.year == 2024
    assert [t.role for t in conversation.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert conversation.turns[1].start == 12.5


def test_channel_and_bot_role_are_read():
    wrapped = read_file(FIXTURES / "iqs_wrapped.json")
    assert [c.channel for c in wrapped] == [Channel.CHAT, Channel.CALL]
    assert read_file(FIXTURES / "iqs_list.json")[1].turns[0].role is Role.BOT


def test_jsonl_skips_blank_lines():
    conversations = read_file(FIXTURES / "iqs_lines.jsonl")
    assert [c.agent_id for c in conversations] == ["a-1", "a-2", "a-1"]
