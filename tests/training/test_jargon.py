from collections import Counter
from dataclasses import replace

import pytest

from corpora.paths import corpus_dir
from models.heads.word_complexity import WordComplexityClassifier, is_rare, word_features
from models.registry import SHIPPED_ROOT
from scorer.errors import ConfigError
from training.evaluate import evaluate_task
from training.tasks import get_task
from training.tasks.jargon import (
    COMPLEX,
    SIMPLE,
    cross_lingual,
    cwi_sets,
    in_language,
    lexical_baseline,
)
from training.train import train_task


@pytest.fixture
def jargon_task():
    """The task as the framework finds it by name."""
    return get_task("jargon")


@pytest.fixture
def news_slices(tmp_path):
    """The first 600 targets of the shared News train file and 300 of its dev file, under
    their original names (the dataset and split come from the name)."""
    folder = corpus_dir("cwi2018") / "english"
    paths = []
    for name, size in (("News_Train.tsv", 600), ("News_Dev.tsv", 300)):
        lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (tmp_path / name.split("_")[1].lower()).mkdir()
        path = tmp_path / name.split("_")[1].lower() / name
        path.write_text("".join(lines[:size]), encoding="utf-8")
        paths.append(path)
    return paths


def test_word_features_read_rarity_length_and_phrases():
    common, rare = word_features("house", "en"), word_features("nephrectomy", "en")
    assert common[0] > rare[0] and common[3] < rare[3] and common[4] < rare[4]
    assert word_features("rebel-held town", "en")[5] == 1.0
    assert is_rare("nephrectomy", "en") and not is_rare("house", "en")


def test_standard_evaluation_is_each_english_dev_file_beside_the_shared_task(jargon_task):
    evaluations = jargon_task.evaluations()
    assert [e.data.name for e in evaluations] == [
        "cwi2018/News/dev", "cwi2018/WikiNews/dev", "cwi2018/Wikipedia/dev"]
    assert all(e.protocol == "heldout" and e.data.licence == "eval" for e in evaluations)
    assert [e.published[0].value for e in evaluations] == [0.874, 0.840, 0.812]


def test_research_model_beats_the_lexical_rule_and_the_majority(jargon_task, news_slices,
                                                                tmp_path, monkeypatch):
    train, dev = news_slices
    monkeypatch.setenv("IQS_MODELS_DIR", str(tmp_path / "models"))
    folder = train_task("jargon", data=train)
    assert folder.parent.name == "jargon-minilm-research"
    assert '"licence": "eval"' in (folder / "manifest.json").read_text("utf-8")
    report = evaluate_task("jargon", model_name="jargon-minilm-research", data=dev)
    metrics = report.sets[0].metrics
    assert report.sets[0].data == "cwi2018/News/dev" and metrics.n == 300
    dev_set, = cwi_sets(dev)
    majority = Counter(dev_set.labels).most_common(1)[0][1] / len(dev_set.labels)
    assert set(metrics.f1_per_class) == {SIMPLE, COMPLEX}
    # Majority-class macro-F1 is at most 0.5; the lexical rule is what the product ships.
    assert metrics.macro_f1 > 0.6 and metrics.accuracy > majority
    assert metrics.macro_f1 > lexical_baseline(dev_set).macro_f1


def test_a_model_trained_on_cwi_cannot_be_shipped(jargon_task, news_slices):
    with pytest.raises(ConfigError, match="evaluation-only"):
        train_task("jargon", data=news_slices[0], out_root=SHIPPED_ROOT)
    assert not (SHIPPED_ROOT / "jargon-minilm-research").exists()


@pytest.fixture
def other_language_dev(tmp_path):
    """The first 100 targets of the shared Spanish and German dev files."""
    paths = []
    for folder, name in (("spanish", "Spanish_Dev.tsv"), ("german", "German_Dev.tsv")):
        lines = (corpus_dir("cwi2018") / folder / name).read_text(encoding="utf-8")
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / name
        path.write_text("".join(lines.splitlines(keepends=True)[:100]), encoding="utf-8")
        paths.append(path)
    return [s for path in paths for s in cwi_sets(path)]


def test_word_features_move_to_the_test_language(news_slices):
    train, = cwi_sets(news_slices[0])
    head = WordComplexityClassifier(embedding=False).fit(train.inputs, train.labels)
    spanish = in_language(head, "es")
    assert spanish.language == "es" and head.language == "en"
    # "entonces" is common in Spanish, rare in English: read in Spanish it is simpler.
    complex_column = list(head.classes_).index(COMPLEX)
    in_english, in_spanish = (h.predict_proba(["entonces"])[0, complex_column]
                              for h in (head, spanish))
    assert in_spanish < in_english


def test_english_trained_heads_are_measured_on_spanish_and_german(news_slices,
                                                                  other_language_dev):
    news, = cwi_sets(news_slices[0])
    train = replace(news, inputs=news.inputs[:300], labels=news.labels[:300], scores=None)
    assert [s.languages for s in other_language_dev] == [("es",), ("de",)]
    for embedding in (False, True):
        results = cross_lingual(train, other_language_dev, embedding=embedding)
        for data, metrics in zip(other_language_dev, results, strict=True):
            assert metrics.n == len(data.labels) == 100
            # Better than calling everything simple (macro-F1 at most 0.5).
            assert metrics.macro_f1 > 0.5
