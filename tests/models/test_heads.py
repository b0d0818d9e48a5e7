import pickle

import numpy as np
import pytest

from corpora.loaders import binary_requests, load_stanford_politeness
from models.heads import ConversationPosition, EmbeddingClassifier, PolitenessMarkers, TurnInput

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def requests():
    """40 polite and 40 impolite Wikipedia requests of the Stanford corpus."""
    corpus = binary_requests(load_stanford_politeness(), "wikipedia")
    polite = [r for r in corpus if r.label == 1][:40]
    impolite = [r for r in corpus if r.label == 0][:40]
    texts = [r.text for r in polite + impolite]
    return texts, ["polite"] * 40 + ["impolite"] * 40


def test_fit_returns_self_and_gives_calibrated_probabilities(requests):
    texts, labels = requests
    head = EmbeddingClassifier(encoder="minilm", C=1.0, cv=3,
                               extra_features=("politeness_markers",))
    assert head.fit(texts, labels) is head
    assert list(head.classes_) == ["impolite", "polite"]
    probabilities = head.predict_proba(texts[:5] + texts[-5:])
    assert probabilities.shape == (10, 2)
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    # Learned on the data it saw: most training examples come out on their own side.
    assert np.mean(head.predict(texts) == np.asarray(labels)) > 0.75
    learned = {k for k in vars(head) if k.endswith("_")}
    assert {"classes_", "calibrated_", "feature_sets_", "encoder_model_id_"} <= learned
    assert set(head.get_params()) == {"encoder", "C", "calibration", "cv", "extra_features",
                                      "extra_weight", "class_weight", "use_cache"}


def test_pickled_head_keeps_no_encoder_and_predicts_the_same(requests):
    texts, labels = requests
    head = EmbeddingClassifier(encoder="minilm", cv=3, calibration="isotonic").fit(texts, labels)
    blob = pickle.dumps(head)
    assert len(blob) < 200_000  # the 90 MB encoder is not inside
    copy = pickle.loads(blob)
    np.testing.assert_allclose(copy.predict_proba(texts[:4]), head.predict_proba(texts[:4]))


def test_politeness_markers_flag_strategies():
    markers = PolitenessMarkers().fit()
    rows = markers.transform([TurnInput("Could you please check this? Thanks!"),
                              TurnInput("Why did you delete it.")])
    names = markers.names()
    assert rows.shape == (2, len(names))
    polite, blunt = (dict(zip(names, row, strict=True)) for row in rows)
    assert polite["Please"] == polite["Subjunctive"] == polite["Gratitude"] == 1.0
    assert polite["Direct.Question"] == 0.0 and blunt["Direct.Question"] == 1.0
    assert blunt["Please"] == blunt["Gratitude"] == 0.0


def test_conversation_position_reads_ends_and_absent_context():
    features = ConversationPosition().fit()
    first, last, bare = features.transform([TurnInput("Hi", None, 0, 40),
                                            TurnInput("Bye", "Okay?", 40, 0),
                                            TurnInput("Bye")])
    names = features.names()
    assert dict(zip(names, first, strict=True))["first"] == 1.0
    assert dict(zip(names, last, strict=True))["last"] == 1.0
    assert dict(zip(names, last, strict=True))["previous_is_question"] == 1.0
    assert not bare.any()
