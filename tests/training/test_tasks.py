from collections import Counter

import pytest

from corpora.loaders.swda import split_of
from corpora.paths import corpus_dir
from scorer.errors import ConfigError
from training.tasks import TASKS, get_task
from training.tasks.dialog_acts import filled, swda_training_set, weak_training_set
from training.tasks.politeness import stanford_sets


def test_tasks_are_registered_by_name():
    assert {"politeness", "dialog-acts"} <= set(TASKS)
    with pytest.raises(ConfigError, match="unknown task"):
        get_task("nope")


def test_politeness_sets_follow_the_paper_per_domain():
    wikipedia, stack_exchange = stanford_sets()
    assert wikipedia.name == "stanford_politeness/wikipedia" and wikipedia.licence == "ship"
    # Top and bottom quartiles only, balanced.
    assert Counter(wikipedia.labels) == {"polite": 1089, "impolite": 1089}
    assert len(stack_exchange.labels) == 3302
    evaluations = get_task("politeness").evaluations()
    assert [e.protocol for e in evaluations] == ["cv", "cv"]
    assert evaluations[0].published[1].value == pytest.approx(0.8672)


@pytest.mark.slow
def test_shipped_dialog_acts_data_is_ship_licensed_and_multilingual():
    data = weak_training_set()
    assert data.licence == "ship" and "swda" not in data.corpora
    assert set(data.languages) == {"en", "ar", "fa", "ms", "uz", "mn", "ru"}
    counts = Counter(data.labels)
    assert set(counts) == {"greeting", "closing", "thanking", "apology", "other"}
    assert counts["other"] > counts["greeting"] > 100
    texts = {item.text for item in data.inputs}
    assert "Thank you." in texts and "Спасибо." in texts


def test_placeholders_are_filled():
    assert filled("my name is {agent_name}") == ["my name is Anna", "my name is David"]
    assert len(filled("{agent_name} from {company}")) == 4


def test_swda_training_keeps_the_heldout_conversations_out(tmp_path):
    files = sorted((corpus_dir("swda") / "train").glob("*.txt"))
    heldout = next(p for p in files if split_of(p.stem) == "heldout")
    train = next(p for p in files if split_of(p.stem) == "train")
    for source in (heldout, train):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    data = swda_training_set(tmp_path)
    assert data.licence == "eval"
    train_lines = [line for line in train.read_text(encoding="utf-8").splitlines() if line]
    assert len(data.labels) == len(train_lines)
    assert [item.index for item in data.inputs] == list(range(len(train_lines)))
    assert data.inputs[-1].remaining == 0
