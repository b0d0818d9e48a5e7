"""`WordComplexityClassifier`: is a word or phrase hard for a lay reader? Word-level features
(wordfreq Zipf, length, syllables, phrase) beside the word's embedding, logistic regression."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import wordfreq

from models.heads.classifier import Calibration, EmbeddingClassifier, Encoding
from models.heads.inputs import TurnInput

RARE_ZIPF = 2.5
"""The jargon criterion's lexical rule: a word below this Zipf frequency is rare."""
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_VOWEL_GROUP = re.compile(r"[aeiouyäöüáéíóúàèìòùâêîôûœæ]+", re.IGNORECASE)
_MAX_ZIPF = 8.0


def zipf(word: str, language: str) -> float:
    return float(wordfreq.zipf_frequency(word, language))


def syllables(word: str) -> int:
    """Vowel groups: a language-blind estimate, enough to tell short words from long."""
    return max(1, len(_VOWEL_GROUP.findall(word)))


def _words(target: str) -> list[str]:
    return _WORD.findall(target) or [target]


def is_rare(target: str, language: str) -> bool:
    """The lexical rule: some word of the target is below `RARE_ZIPF`."""
    return min(zipf(word, language) for word in _words(target)) < RARE_ZIPF


def word_features(target: str, language: str) -> list[float]:
    """Rarity (least and mean Zipf of its words, the lexical rule), length and shape."""
    words = _words(target)
    zipfs = [zipf(word, language) for word in words]
    least = min(zipfs)
    return [least / _MAX_ZIPF, float(np.mean(zipfs)) / _MAX_ZIPF, float(least < RARE_ZIPF),
            len(target) / 15, max(syllables(w) for w in words) / 5, float(len(words) > 1),
            float(target[:1].isupper())]


class WordComplexityClassifier(EmbeddingClassifier):
    """Each input's text is the target word or phrase. `word_weight` scales the word
    features against the unit-length embedding; `embedding=False` keeps the word features
    alone (no encoder is run)."""

    def __init__(self, encoder: str = "minilm", C: float = 1.0,
                 calibration: Calibration = "sigmoid", cv: int = 5,
                 extra_features: tuple[str, ...] = (), extra_weight: float = 0.1,
                 class_weight: str | None = None, use_cache: bool = True,
                 language: str = "en", word_weight: float = 1.0,
                 embedding: bool = True) -> None:
        super().__init__(encoder=encoder, C=C, calibration=calibration, cv=cv,
                         extra_features=extra_features, extra_weight=extra_weight,
                         class_weight=class_weight, use_cache=use_cache)
        self.language = language
        self.word_weight = word_weight
        self.embedding = embedding

    def planned_encoding(self, inputs: Sequence[str | TurnInput]) -> list[Encoding]:
        return super().planned_encoding(inputs) if self.embedding else []

    def _features(self, turns: list[TurnInput]) -> np.ndarray:
        lexical = self.word_weight * np.array(
            [word_features(turn.text, self.language) for turn in turns], dtype=np.float32)
        if not self.embedding:
            return lexical
        return np.hstack([super()._features(turns), lexical]).astype(np.float32, copy=False)
