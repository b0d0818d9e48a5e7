"""E5FineTunedClassifier: fine-tuning e5torch's upper layers on real Stanford requests (a
small sample, one thread), what is stored, and the registry round trip."""

import numpy as np
import pytest
from sklearn.base import clone

from models.encoders.e5_torch import E5TorchEncoder
from models.heads import TurnInput
from models.heads.e5_finetuned import E5FineTunedClassifier
from models.registry import TrainingData, examples_sha256, load_model, save_model

pytestmark = pytest.mark.slow
PER_CLASS = 16


@pytest.fixture(scope="module")
def head(requests):
    """The last two layers tuned: 2 epochs of 4 steps, 32 tokens, one thread."""
    texts, labels = requests
    head = E5FineTunedClassifier(epochs=2, batch_size=8, learning_rate=1e-4, max_length=32,
                                 frozen_layers=10, n_jobs=1)
    assert head.fit(texts, labels) is head
    return head


def test_only_the_upper_layers_are_tuned_and_stored_at_half_precision(head):
    layers = {name.split(".")[2] for name in head.tuned_}
    assert layers == {"10", "11"}
    assert all(values.dtype == np.float16 for values in head.tuned_.values())
    packaged = dict(E5TorchEncoder("fp32").model.named_parameters())
    # Adam moves a weight by up to the learning rate a step; half precision rounds by less.
    changed = [name for name, values in head.tuned_.items()
               if np.abs(values - packaged[name].detach().numpy()).max() > 2e-4]
    assert changed, "fine-tuning left every stored weight as packaged"
    assert "/tuned/" in head.encoder_model_id_


def test_the_head_learns_the_sample_and_gives_probabilities(head, requests):
    texts, labels = requests
    assert list(head.classes_) == ["impolite", "polite"]
    assert len(head.loss_curve_) == 2 and all(np.isfinite(head.loss_curve_))
    assert np.mean(head.predict(texts) == np.asarray(labels)) > 0.8  # chance 0.5
    probabilities = head.predict_proba(texts)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    assert probabilities[:16, 1].mean() > probabilities[16:, 1].mean()
    np.testing.assert_allclose(head.predict_proba([TurnInput(texts[0], previous="Hi")]),
                               head.predict_proba(texts[:1]))
    assert head.predict_proba([]).shape == (0, 2)


def test_settings_follow_scikit_learn(head):
    copy = clone(head)
    assert copy.get_params() == head.get_params()
    assert not hasattr(copy, "tuned_") and not hasattr(copy, "classes_")


def test_registry_round_trip_predicts_the_same(head, requests, tmp_path, monkeypatch):
    texts, labels = requests
    monkeypatch.setenv("IQS_MODELS_DIR", str(tmp_path))
    training = TrainingData(corpora=["stanford_politeness"], files=[],
                            sha256=examples_sha256(texts, labels), n_examples=len(texts),
                            licence="ship")
    folder = save_model(head, name="politeness-e5ft-test", task="politeness",
                        encoder="e5torch", encoder_model_id=head.encoder_model_id_,
                        labels=["impolite", "polite"], training=training)
    # Two layers at half precision (about 3.5 MB each), no encoder copy.
    assert (folder / "estimator.joblib").stat().st_size < 8_000_000
    loaded = load_model("politeness-e5ft-test")
    np.testing.assert_allclose(loaded.estimator.predict_proba(texts[:6]),
                               head.predict_proba(texts[:6]), atol=1e-6)
