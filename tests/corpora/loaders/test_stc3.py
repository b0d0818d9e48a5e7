import json

import pytest

from corpora.loaders.stc3 import load_stc3
from corpora.paths import corpus_dir
from scorer.conversation import Role
from scorer.errors import ReadError

EN_FILE = corpus_dir("stc3_dch1") / "train_data_en.json"


@pytest.fixture(scope="module")
def english():
    return load_stc3("en")


def test_english_and_chinese_dialogues_with_19_annotators(english):
    chinese = load_stc3("zh")
    assert 0.7 * 1672 <= len(english) <= 1672  # index.md: 1,672 English training dialogues
    assert 0.7 * 3700 <= len(chinese) <= 3700
    assert english.licence == chinese.licence == "ship"
    for corpus, language in ((english, "en"), (chinese, "zh")):
        assert all(d.language == language for d in corpus)
        assert all(len(d.ratings) == 19 for d in corpus)
        assert all(len(t.nuggets) == 19 for d in corpus for t in d.turns)
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in d.turns[0].text)
               for d in chinese) / len(chinese) > 0.95


def test_per_dialogue_means_and_nuggets_fit_the_scheme(english):
    for dialogue in english:
        for mean in (dialogue.mean_accomplishment, dialogue.mean_satisfaction,
                     dialogue.mean_effectiveness):
            assert -2 <= mean <= 2
        for turn in dialogue.turns:
            # Customer nuggets start with C, helpdesk nuggets with H.
            assert all(n[0] == turn.sender[0].upper() for n in turn.nuggets)
    means = [d.mean_satisfaction for d in english]
    assert min(means) < -1 and max(means) > 1  # the data spans the scale
    first = json.loads(EN_FILE.read_text(encoding="utf-8"))[0]
    expected = sum(a["quality"]["S"] for a in first["annotations"]) / 19
    assert english[0].mean_satisfaction == pytest.approx(expected)


def test_dialogue_as_a_conversation(english):
    dialogue = english[0]
    conversation = dialogue.to_conversation()
    assert conversation.id == dialogue.id and conversation.language == "en"
    assert [t.role for t in conversation.turns] == [
        Role.CUSTOMER if t.sender == "customer" else Role.AGENT for t in dialogue.turns]
    assert conversation.turns[1].text == dialogue.turns[1].text


def test_bad_json_and_bad_scores_are_located(tmp_path):
    broken = tmp_path / "train_data_en.json"
    broken.write_text('[\n{"id": 1,\n "turns": [\n', encoding="utf-8")
    with pytest.raises(ReadError, match="not valid JSON") as error:
        load_stc3(path=broken)
    assert error.value.location.startswith(f"{broken}:")

    records = json.loads(EN_FILE.read_text(encoding="utf-8"))[:3]
    records[2]["annotations"][5]["quality"]["S"] = 3
    bad = tmp_path / "bad_en.json"
    bad.write_text(json.dumps(records), encoding="utf-8")
    with pytest.raises(ReadError, match="quality S") as error:
        load_stc3(path=bad)
    assert "dialogue 2" in error.value.location and "annotation 5" in error.value.location
