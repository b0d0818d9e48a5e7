"""The customer's name reaches `Conversation.customer_name` from every reader that has it:
redaction takes it out wherever it appears."""

import json
from pathlib import Path

import pytest

from scorer.asr import TranscriptionOptions
from scorer.readers import read_file, read_paths
from scorer.readers.options import ReaderOptions
from tests.scorer.readers.readers_paths import REPO, harper_valley_layout

SAMPLES_CALLS = REPO / "samples" / "calls"


def test_abcd_reads_the_scenario_customer_name(shared_corpus) -> None:
    path = shared_corpus("abcd_sample") / "abcd_sample.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    names = [c.customer_name for c in read_file(path)]
    assert names == [r["scenario"]["personal"]["customer_name"] for r in records]
    assert names[0] == "crystal minh"


def test_harper_valley_metadata_gives_the_callers_name(tmp_path: Path) -> None:
    (call,) = read_paths([harper_valley_layout(tmp_path)]).conversations
    assert (call.agent_name, call.customer_name) == ("Elizabeth", "Patricia Brown")


def test_iqs_json_plaintext_and_csv_carry_customer_name(tmp_path: Path) -> None:
    iqs = tmp_path / "chat.json"
    iqs.write_text(json.dumps({"id": "c1", "customer_name": "Joyce Wu", "turns": [
        {"role": "customer", "text": "hi"}]}), encoding="utf-8")
    text = tmp_path / "call.txt"
    text.write_text("# customer_name: Иван Петров\nОператор: Здравствуйте\nКлиент: Привет\n",
                    encoding="utf-8")
    table = tmp_path / "export.csv"
    table.write_text("ticket_id,sender,customer_name,message\nT1,customer,Joyce Wu,hi\n"
                     "T1,agent,,hello\n", encoding="utf-8")
    assert read_file(iqs)[0].customer_name == "Joyce Wu"
    assert read_file(text)[0].customer_name == "Иван Петров"
    assert read_file(table)[0].customer_name == "Joyce Wu"


@pytest.mark.slow
def test_call_metadata_yaml_takes_customer_name(tmp_path: Path) -> None:
    call = tmp_path / "call.flac"
    call.write_bytes((SAMPLES_CALLS / "call-0002-mono.flac").read_bytes())
    (tmp_path / "call.yaml").write_text("agent_id: a-leo\ncustomer_name: Aziza Karimova\n")
    (conversation,) = read_file(call, ReaderOptions(asr=TranscriptionOptions(model="tiny.en")))
    assert (conversation.agent_id, conversation.customer_name) == ("a-leo", "Aziza Karimova")
