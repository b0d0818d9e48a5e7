"""Extra features a head may add to the sentence embedding, by name. Each set learns what it
needs at fit time (e.g. a copy of a lexicon), so a saved head predicts without the shared
data folder."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from models.heads.inputs import TurnInput
from scorer.errors import ConfigError

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?|[?!.]")
_SENTENCE_END = frozenset("?!.")
_QUESTION_WORDS = frozenset({"what", "why", "who", "how", "where", "when", "which"})


class FeatureSet(Protocol):
    name: str

    def fit(self) -> FeatureSet: ...

    def names(self) -> list[str]: ...

    def transform(self, inputs: Sequence[TurnInput]) -> np.ndarray: ...


def _sentences(text: str) -> list[list[str]]:
    """Lower-cased word tokens per sentence."""
    sentences: list[list[str]] = [[]]
    for token in _TOKEN.findall(text.lower()):
        if token in _SENTENCE_END:
            if sentences[-1]:
                sentences.append([])
        else:
            sentences[-1].append(token)
    return [s for s in sentences if s]


def _ngrams(word_lists: Iterable[list[str]], longest: int) -> set[tuple[str, ...]]:
    """Every run of up to `longest` consecutive words (the empty run too) in each list: a
    phrase occurs in a list when it is one of them."""
    return {tuple(words[i:i + size]) for words in word_lists
            for size in range(min(longest, len(words)) + 1)
            for i in range(len(words) - size + 1)}


_Phrases = tuple[tuple[str, ...], ...]


class PolitenessMarkers:
    """Indicators of the ConvoKit politeness strategies (English lexicon: phrases anywhere,
    sentence starters, non-starters) plus the person and question cues of Danescu-Niculescu-
    Mizil et al. (2013) that the lexicon lacks."""

    name = "politeness_markers"
    _CUES = ("1st.Person.Start", "2nd.Person.Start", "1st.Person.Plural", "2nd.Person",
             "Direct.Question", "Question.Mark", "Exclamation")

    def __init__(self) -> None:
        self.anywhere_: dict[str, _Phrases] = {}
        self.starters_: dict[str, _Phrases] = {}
        self.non_starters_: dict[str, _Phrases] = {}

    def fit(self) -> PolitenessMarkers:
        from corpora.loaders.convokit_politeness import load_politeness_lexicon

        lexicon = load_politeness_lexicon("en")

        def split(by_strategy: dict[str, tuple[str, ...]]) -> dict[str, _Phrases]:
            return {name: tuple(tuple(p.lower().split()) for p in phrases)
                    for name, phrases in sorted(by_strategy.items())}

        self.anywhere_ = split(lexicon.markers["ngram"])
        self.starters_ = split(lexicon.markers["starter"])
        self.non_starters_ = split(lexicon.markers["non_starter"])
        return self

    def names(self) -> list[str]:
        return [*self.anywhere_, *self.starters_, *self.non_starters_, *self._CUES]

    def transform(self, inputs: Sequence[TurnInput]) -> np.ndarray:
        longest = self._longest_phrase()
        return np.array([self._row(item.text, longest) for item in inputs], dtype=np.float32)

    def _longest_phrase(self) -> int:
        lexicon = (*self.anywhere_.values(), *self.non_starters_.values())
        return max((len(p) for phrases in lexicon for p in phrases), default=0)

    def _row(self, text: str, longest: int) -> list[float]:
        sentences = _sentences(text)
        words = [w for s in sentences for w in s]
        starts = [s[:4] for s in sentences]
        rests = [s[1:] for s in sentences]
        # Set look-ups of the text's n-grams rather than a scan per phrase: same flags.
        in_words, in_rests = _ngrams([words], longest), _ngrams(rests, longest)
        openings = {tuple(s[:size]) for s in starts for size in range(len(s) + 1)}
        row = [any(p in in_words for p in phrases) for phrases in self.anywhere_.values()]
        row += [any(p in openings for p in phrases) for phrases in self.starters_.values()]
        row += [any(p in in_rests for p in phrases) for phrases in self.non_starters_.values()]
        first_words = {s[0] for s in sentences}
        row += [bool(first_words & {"i", "my", "mine", "myself"}),
                bool(first_words & {"you", "your", "yours", "yourself"}),
                bool(set(words) & {"we", "our", "us", "ourselves"}),
                bool(set(words) & {"you", "your", "yours", "yourself"}),
                bool(first_words & _QUESTION_WORDS),
                "?" in text, "!" in text]
        return [float(flag) for flag in row]


class ConversationPosition:
    """Where the turn sits: openings and closings happen at the ends of a conversation."""

    name = "conversation_position"

    def fit(self) -> ConversationPosition:
        return self

    def names(self) -> list[str]:
        return ["has_position", "first", "within_3", "last", "last_3", "last_6",
                "log_index", "log_remaining", "previous_is_question"]

    def transform(self, inputs: Sequence[TurnInput]) -> np.ndarray:
        return np.array([self._row(item) for item in inputs], dtype=np.float32)

    @staticmethod
    def _row(item: TurnInput) -> list[float]:
        previous_question = float(item.previous is not None and "?" in item.previous)
        if item.index is None or item.remaining is None:
            return [0.0] * 8 + [previous_question]
        index, remaining = item.index, item.remaining
        return [1.0, float(index == 0), float(index < 3), float(remaining == 0),
                float(remaining < 3), float(remaining < 6), math.log1p(index) / 5,
                math.log1p(remaining) / 5, previous_question]


FEATURE_SETS: dict[str, type[PolitenessMarkers] | type[ConversationPosition]] = {
    PolitenessMarkers.name: PolitenessMarkers,
    ConversationPosition.name: ConversationPosition,
}


def make_feature_set(name: str) -> FeatureSet:
    if name not in FEATURE_SETS:
        raise ConfigError(f"unknown feature set {name!r}; known: {', '.join(FEATURE_SETS)}")
    return FEATURE_SETS[name]()
