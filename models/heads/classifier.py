"""`EmbeddingClassifier`: sentence embedding (+ optional extra features) → logistic
regression with calibrated probabilities, following scikit-learn's estimator conventions."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression

from models.cache import EmbeddingCache
from models.encoders import TextEncoder, load_encoder
from models.encoders.memo import MemoEncoder
from models.heads.features import FeatureSet, make_feature_set
from models.heads.inputs import TurnInput, as_turn_inputs

Calibration = Literal["sigmoid", "isotonic"]
Encoding = tuple[MemoEncoder, list[str]]
"""Texts a head will encode, and the encoder (with the process's memo in front) it will ask."""


@lru_cache(maxsize=1)
def _default_cache() -> EmbeddingCache:
    return EmbeddingCache.default()


class EmbeddingClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Classifies texts (or `TurnInput`s) by their sentence embedding.

    Only the encoder's spec is kept (and pickled); the encoder itself is loaded on first use
    and shared within the process. `extra_features` names sets from
    `models.heads.features`, scaled by `extra_weight` against the unit-length embedding."""

    def __init__(self, encoder: str = "minilm", C: float = 1.0,
                 calibration: Calibration = "sigmoid", cv: int = 5,
                 extra_features: tuple[str, ...] = (), extra_weight: float = 0.1,
                 class_weight: str | None = None, use_cache: bool = True) -> None:
        self.encoder = encoder
        self.C = C
        self.calibration = calibration
        self.cv = cv
        self.extra_features = extra_features
        self.extra_weight = extra_weight
        self.class_weight = class_weight
        self.use_cache = use_cache

    def fit(self, inputs: Sequence[str | TurnInput], labels: Sequence[object],
            sample_weight: Sequence[float] | None = None) -> EmbeddingClassifier:
        turns = as_turn_inputs(inputs)
        self.feature_sets_: list[FeatureSet] = [make_feature_set(name).fit()
                                                for name in self.extra_features]
        self.encoder_model_id_ = self._encoder().reference_id
        features = self._features(turns)
        model = LogisticRegression(C=self.C, max_iter=3000, class_weight=self.class_weight)
        self.calibrated_ = CalibratedClassifierCV(model, method=self.calibration, cv=self.cv)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.calibrated_.fit(features, np.asarray(labels), sample_weight=weights)
        self.classes_ = self.calibrated_.classes_
        self.n_features_in_ = features.shape[1]
        return self

    def predict_proba(self, inputs: Sequence[str | TurnInput]) -> np.ndarray:
        """(n, len(classes_)) probabilities, each row summing to 1."""
        turns = as_turn_inputs(inputs)
        if not turns:
            return np.empty((0, len(self.classes_)))
        return np.asarray(self.calibrated_.predict_proba(self._features(turns)))

    def predict(self, inputs: Sequence[str | TurnInput]) -> np.ndarray:
        probabilities = self.predict_proba(inputs)
        return np.asarray(self.classes_)[probabilities.argmax(axis=1)]

    def planned_encoding(self, inputs: Sequence[str | TurnInput]) -> list[Encoding]:
        """What `predict_proba(inputs)` will encode, for a caller that encodes the texts of
        many predictions together first (`Scorer`). None without the cache: its memo is
        where vectors encoded ahead would wait."""
        encoder = self._encoder()
        if not isinstance(encoder, MemoEncoder):
            return []
        return [(encoder, _encoded_texts(as_turn_inputs(inputs)))]

    def _encoder(self) -> TextEncoder:
        return load_encoder(self.encoder, cache=_default_cache() if self.use_cache else None)

    def _features(self, turns: list[TurnInput]) -> np.ndarray:
        encoder = self._encoder()
        if encoder.reference_id != self.encoder_model_id_:
            warnings.warn(f"encoder {self.encoder!r} is now {encoder.reference_id}, the head was "
                          f"trained on {self.encoder_model_id_}: retrain it", stacklevel=3)
        parts = [encoder.encode(_encoded_texts(turns))]
        parts += [self.extra_weight * feature_set.transform(turns)
                  for feature_set in self.feature_sets_]
        return np.hstack(parts).astype(np.float32, copy=False)


def _encoded_texts(turns: list[TurnInput]) -> list[str]:
    """What the encoder reads of each input (its context goes to the extra features)."""
    return [turn.text for turn in turns]
