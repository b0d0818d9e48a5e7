import json

import pytest

from scorer.conversation import Channel, Role
from scorer.errors import ReadError
from scorer.readers import read_file


def test_reads_every_dialogue_of_the_english_train_set(shared_corpus):
    path = shared_corpus("stc3_dch1") / "train_data_en.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    conversations = read_file(path)
    assert [c.id for c in conversations] == [r["id"] for r in records]
    assert all(c.channel is Channel.CHAT for c in conversations)
    for conversation, record in zip(conversations, records, strict=True):
        assert len(conversation.turns) == len(record["turns"])
        expected = [Role.AGENT if t["sender"] == "helpdesk" else Role.CUSTOMER
                    for t in record["turns"]]
        assert [t.role for t in conversation.turns] == expected
    assert "annotations" not in conversations[0].model_dump()


def test_unannotated_dialogues_are_read_and_bad_records_named(tmp_path):
    path = tmp_path / "to_score.json"
    path.write_text(json.dumps([
        {"id": "a", "turns": [{"sender": "customer", "utterances": ["Hi, my TV is broken."]},
                              {"sender": "helpdesk", "utterances": ["Sorry to hear that!"]}]},
        {"id": "b", "turns": [{"sender": "robot", "utterances": ["?"]}]},
    ]), encoding="utf-8")
    with pytest.raises(ReadError, match=r"dialogue 1 \(id b\), turn 0: 'sender' must be"):
        read_file(path)
    path.write_text(json.dumps([json.loads(path.read_text())[0]]), encoding="utf-8")
    assert [t.role for t in read_file(path)[0].turns] == [Role.CUSTOMER, Role.AGENT]


def test_reads_the_chinese_originals_too(shared_corpus):
    path = shared_corpus("stc3_dch1") / "train_data_cn.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    conversations = read_file(path)
    assert [c.id for c in conversations] == [r["id"] for r in records]
    assert conversations[0].language == "zh"
    expected = [u for u in records[0]["turns"][0]["utterances"] if u.strip()]
    assert conversations[0].turns[0].text == "\n".join(expected)
