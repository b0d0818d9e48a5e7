import json

from scorer.conversation import Role
from scorer.readers import read_file


def test_sample_chats_with_actions_as_system_turns(shared_corpus):
    path = shared_corpus("abcd_sample") / "abcd_sample.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    conversations = read_file(path)
    assert [c.id for c in conversations] == [str(r["convo_id"]) for r in records]
    roles = {"agent": Role.AGENT, "customer": Role.CUSTOMER, "action": Role.SYSTEM}
    for conversation, record in zip(conversations, records, strict=True):
        assert [(t.role, t.text) for t in conversation.turns] == [
            (roles[speaker], text) for speaker, text in record["original"]]
    assert Role.SYSTEM in {t.role for t in conversations[0].turns}
