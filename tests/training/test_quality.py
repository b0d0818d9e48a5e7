import json
import math

import pytest

from corpora.loaders.stc3 import load_stc3
from corpora.paths import corpus_dir
from training.evaluate import cross_validated, evaluate_task
from training.tasks import get_task
from training.tasks.quality import HIGH, LOW, dialogue_input, quality_set
from training.train import train_task


@pytest.fixture
def quality_task():
    """The task as the framework finds it by name."""
    return get_task("quality")


@pytest.fixture
def stc3_slices(tmp_path):
    """The first 60 dialogues of the shared English file to train on, the next 40 to test."""
    records = json.loads((corpus_dir("stc3_dch1") / "train_data_en.json").read_text("utf-8"))
    train, test = tmp_path / "train_en.json", tmp_path / "test_en.json"
    train.write_text(json.dumps(records[:60]), encoding="utf-8")
    test.write_text(json.dumps(records[60:100]), encoding="utf-8")
    return train, test


def test_quality_set_labels_dialogues_by_the_annotators_mean(stc3_slices):
    train, _ = stc3_slices
    data = quality_set("A", train)
    dialogues = list(load_stc3("en", train))
    assert len(data.labels) == 60 and data.name == "stc3/en/A"
    assert data.scores == [d.mean_accomplishment for d in dialogues]
    assert data.labels == [HIGH if d.mean_accomplishment > 0 else LOW for d in dialogues]
    # The ending comes first so that truncation keeps it.
    spoken = [t for t in dialogues[0].turns if t.text.strip()]
    speaker = "Customer" if spoken[-2].sender == "customer" else "Helpdesk"
    assert dialogue_input(dialogues[0]).text.startswith(f"{speaker}: {spoken[-2].text}\n")


def test_standard_evaluation_is_5_fold_cv_per_dimension_on_shipped_data(quality_task):
    evaluations = quality_task.evaluations()
    assert [e.data.name for e in evaluations] == ["stc3/en/S", "stc3/en/A", "stc3/en/E"]
    assert {(e.protocol, e.folds) for e in evaluations} == {("cv", 5)}
    assert evaluations[0].data.licence == "ship" and len(evaluations[0].data.labels) == 1333


def test_cross_validation_correlates_with_mean_satisfaction(quality_task, stc3_slices):
    train, _ = stc3_slices
    data = quality_set("S", train)
    metrics = cross_validated(quality_task, quality_task.estimator("minilm"), data, folds=3)
    assert metrics.n == 60 and metrics.pearson_r is not None
    assert -1 <= metrics.pearson_r <= 1 and not math.isnan(metrics.pearson_r)


def test_trained_model_is_measured_on_unseen_dialogues(quality_task, stc3_slices, tmp_path,
                                                       monkeypatch):
    train, test = stc3_slices
    monkeypatch.setenv("IQS_MODELS_DIR", str(tmp_path / "models"))
    folder = train_task("quality", data=train, name="quality-slice")
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["task"] == "quality" and manifest["training"]["n_examples"] == 60
    report = evaluate_task("quality", model_name="quality-slice", data=test)
    assert [s.data for s in report.sets] == ["stc3/en/S", "stc3/en/A", "stc3/en/E"]
    for s in report.sets:
        assert s.metrics.n == 40 and s.protocol.endswith("held-out")
        assert s.metrics.pearson_r is not None and -1 <= s.metrics.pearson_r <= 1
    assert report.pooled.n == 120
