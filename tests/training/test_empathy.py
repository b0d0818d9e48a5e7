import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from corpora.paths import corpus_dir
from models.registry import SHIPPED_ROOT
from scorer.errors import ConfigError
from training.evaluate import cross_validated, evaluate_task, fold_indices
from training.tasks.empathy import EmpathyTask, distress_set, epitome_sets
from training.train import train_task

TASK = EmpathyTask()


def _records(source: Path) -> list[list[str]]:
    with source.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(records: list[list[str]], target: Path) -> Path:
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(records)
    return target


def _slice(source: Path, target: Path, rows: int, start: int = 0) -> Path:
    """The header and `rows` records from `start` of a shared CSV (fields may span lines)."""
    header, *records = _records(source)
    return _write([header, *records[start:start + rows]], target)


EMOTIONAL_REACTIONS = "emotional-reactions-reddit.csv"


@pytest.fixture
def epitome_training_slice(tmp_path):
    """The first 12 responses of each level: strong ones are 5% of the corpus, and the
    head's calibration needs a few of each."""
    header, *records = _records(corpus_dir("empathy_epitome") / EMOTIONAL_REACTIONS)
    level = header.index("level")
    chosen = [r for value in "012" for r in [r for r in records if r[level] == value][:12]]
    return _write([header, *chosen], tmp_path / "emotional-reactions-train.csv")


@pytest.fixture
def epitome_slice(tmp_path):
    """40 responses in corpus order, after those the training slice can draw from."""
    source = corpus_dir("empathy_epitome") / EMOTIONAL_REACTIONS
    return _slice(source, tmp_path / "emotional-reactions-slice.csv", 40, start=1000)


@pytest.fixture
def essays_slice(tmp_path):
    source = corpus_dir("empathic_reactions_buechel2018") / "messages.csv"
    return _slice(source, tmp_path / "messages.csv", 60)


@pytest.fixture
def registered(monkeypatch, tmp_path):
    """Models written to a temporary user root (the task is registered under its name)."""
    root = tmp_path / "models"
    monkeypatch.setenv("IQS_MODELS_DIR", str(root))
    return root


def test_shipped_data_is_buechel_distress_and_epitome_is_evaluation_only():
    data = TASK.training_data()
    assert data.licence == "ship" and data.corpora == ("empathic_reactions_buechel2018",)
    assert Counter(data.labels) == {"calm": 955, "distressed": 905}
    assert data.scores is not None and min(data.scores) >= 1 and max(data.scores) <= 7
    distress, *epitome = TASK.evaluations()
    assert (distress.protocol, distress.folds, distress.published[0].value) == ("cv", 10, 0.444)
    assert [e.data.name for e in epitome] == ["epitome/emotional_reactions",
                                             "epitome/interpretations", "epitome/explorations"]
    assert all(e.data.licence == "eval" and e.folds == 5 for e in epitome)
    assert {p.metric: p.value for p in epitome[0].published} == {"accuracy": 0.794,
                                                                 "macro_f1": 0.745}


def test_epitome_input_is_the_seeker_post_and_response_pair(epitome_slice):
    (data,) = epitome_sets(epitome_slice)
    first = next(csv.DictReader(epitome_slice.open(encoding="utf-8", newline="")))
    assert data.inputs[0].text.startswith(first["seeker_post"].strip())
    assert data.inputs[0].text.endswith(first["response_post"].strip())
    assert set(data.labels) <= {"none", "weak", "strong"} and len(data.labels) == 40


def test_distress_cross_validation_on_a_slice_reports_pearson_r(essays_slice):
    data = distress_set(essays_slice)
    assert data.licence == "eval"  # a file given by path never trains a shipped model
    metrics = cross_validated(TASK, TASK.estimator("minilm"), data, folds=3)
    assert metrics.n == 60 and set(metrics.f1_per_class) == {"calm", "distressed"}
    assert 0.0 <= metrics.accuracy <= 1.0 and 0.0 <= metrics.macro_f1 <= 1.0
    assert metrics.pearson_r is not None and -1.0 <= metrics.pearson_r <= 1.0


def test_epitome_model_trains_into_the_user_root_only(registered, epitome_training_slice,
                                                     epitome_slice):
    folder = train_task("empathy", data=epitome_training_slice)
    assert folder == registered / "empathy-minilm-research" / "1"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["licence"] == "eval" and manifest["training"]["n_examples"] == 36
    assert set(manifest["labels"]) == {"none", "weak", "strong"}
    with pytest.raises(ConfigError, match="evaluation-only data"):
        train_task("empathy", data=epitome_training_slice, out_root=SHIPPED_ROOT)
    report = evaluate_task("empathy", model_name="empathy-minilm-research", data=epitome_slice)
    (section,) = report.sets
    assert section.protocol == "epitome/emotional_reactions, held-out"
    # 36 training pairs: better than chance agreement, far from the paper.
    assert section.metrics.n == 40 and section.metrics.kappa is not None
    assert section.metrics.kappa > 0.0 and 0.0 <= section.metrics.macro_f1 <= 1.0
    assert [p["metric"] for p in section.published] == ["accuracy", "macro_f1"]


def test_epitome_folder_of_several_mechanisms_is_refused_for_training(tmp_path):
    source = corpus_dir("empathy_epitome")
    for name in ("emotional-reactions-reddit.csv", "explorations-reddit.csv"):
        _slice(source / name, tmp_path / name, 5)
    with pytest.raises(ConfigError, match="2 mechanisms"):
        TASK.training_data(tmp_path)


def test_a_file_of_neither_format_is_named_in_the_error(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("text,label\nhello,1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="neither an EPITOME file") as error:
        TASK.training_data(path)
    assert f"{path}:1" in str(error.value)


def test_grouped_folds_keep_each_writer_and_seeker_post_in_one_fold(epitome_slice):
    distress = TASK.training_data()
    assert distress.groups is not None and len(set(distress.groups)) == 372  # five essays each
    (epitome,) = epitome_sets(epitome_slice)
    assert epitome.groups is not None and len(epitome.groups) == 40
    for data, folds in ((distress, 10), (epitome, 3)):
        groups = np.asarray(data.groups)
        splits = fold_indices(np.asarray(data.labels), folds, data.groups)
        assert len(splits) == folds
        tested = np.concatenate([test for _, test in splits])
        assert sorted(tested) == list(range(len(groups)))  # each example tested once
        for train, test in splits:
            assert not set(groups[train]) & set(groups[test])
