"""Fuzzy matching of formulas (standard phrases) in conversation text.

A formula's words are aligned with the turn's words (a semi-global alignment over tokens):
every formula word must be found, in order, allowing misspelt or misrecognised words (edit
similarity), a few extra words in between ("my name is, uh, Anna"), Arabic conjunctions and
prepositions written onto the word (وشكرا), and placeholders (`{agent_name}`, `{company}`)
that stand for names. A name placeholder only takes words that look like a name (capitalised
in cased text, not a common word otherwise), so that "I'm in the legal department" is not
"I'm {agent_name}".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import wordfreq
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist

from scorer.formulas import FormulaPack
from scorer.text import Token, normalize, tokenize

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NAME_PLACEHOLDERS = {"{agent_name}", "{customer_name}"}
# Costs of the alignment, in units of one formula word.
_EXTRA_WORD_COST = 0.35
_MISSING_PLACEHOLDER_COST = 1.0
_MAX_PLACEHOLDER_WORDS = 4
# In text without capitals, a word this frequent in its language (wordfreq Zipf) is an ordinary
# word, not a name.
NAME_MAX_ZIPF = 4.8
_ARABIC_CLITICS = "وفبل"
_CLITIC_DISCOUNT = 0.95


@dataclass(frozen=True, slots=True)
class FormulaMatch:
    """Where a formula was found in a text, and how closely."""

    formula: str
    section: str
    element: str | None
    start: int
    end: int
    similarity: float
    words: int

    @property
    def rank(self) -> float:
        """Longer matches win over shorter ones they overlap at nearly the same similarity."""
        return self.similarity * math.sqrt(self.words)


@dataclass(frozen=True, slots=True)
class _Compiled:
    text: str
    section: str
    element: str | None
    items: tuple[str, ...]  # normalised words; placeholders as "{name}"
    literal_count: int
    rows: tuple[int, ...] = ()  # each item's row in the matcher's vocabulary, -1: placeholder
    literal_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass(frozen=True, slots=True)
class _Prepared:
    tokens: list[Token]
    similarity: np.ndarray  # vocabulary × tokens
    row_max: np.ndarray  # best similarity of each vocabulary word anywhere in the text
    name_like: list[bool]


def _compile(phrase: str, section: str, element: str | None,
             names: Mapping[str, str]) -> _Compiled | None:
    items: list[str] = []
    for piece in re.split(r"(\{\w+\})", phrase):
        placeholder = _PLACEHOLDER.fullmatch(piece)
        if placeholder and names.get(placeholder.group(1)):
            items += [t.norm for t in tokenize(names[placeholder.group(1)])]
        elif placeholder:
            items.append(piece)
        else:
            items += [t.norm for t in tokenize(piece)]
    literal_count = sum(1 for i in items if not i.startswith("{"))
    if literal_count == 0:
        return None
    return _Compiled(phrase, section, element, tuple(items), literal_count)


def _token_similarity_floor(word: str) -> float:
    """Similarity a text word needs to count as this formula word: short words must be exact."""
    if len(word) <= 4:
        return 1.0
    if len(word) <= 6:
        return 0.8
    return 0.74


def _without_clitic(word: str) -> str:
    """The word without an Arabic conjunction or preposition written onto it (وشكرا → شكرا)."""
    if len(word) >= 3 and word[0] in _ARABIC_CLITICS and "\u0600" <= word[1] <= "\u06ff":
        return word[1:]
    return word


class FormulaMatcher:
    """Finds phrases, grouped by (section, element), in texts of one language."""

    def __init__(self, phrases: Mapping[tuple[str, str | None], Iterable[str]],
                 names: Mapping[str, str | None] | None = None, fillers: Iterable[str] = (),
                 threshold: float = 0.8, language: str | None = None) -> None:
        self.threshold = threshold
        self.language = language
        known = {k: v for k, v in (names or {}).items() if v}
        self._formulas: dict[tuple[str, str | None], list[_Compiled]] = {
            key: [c for c in (_compile(p, key[0], key[1], known) for p in group) if c]
            for key, group in phrases.items()
        }
        vocabulary = {i for fs in self._formulas.values() for f in fs for i in f.items}
        self._vocabulary = sorted(v for v in vocabulary if not v.startswith("{"))
        self._vocabulary_index = {w: k for k, w in enumerate(self._vocabulary)}
        self._formulas = {key: [self._indexed(f) for f in formulas]
                          for key, formulas in self._formulas.items()}
        self._floors = np.array([_token_similarity_floor(w) for w in self._vocabulary])
        self._fillers = {normalize(f) for f in fillers}
        self._has_frequencies = language in word_frequency_languages()
        self._prepared = lru_cache(maxsize=512)(self._prepare)

    def _indexed(self, formula: _Compiled) -> _Compiled:
        rows = tuple(self._vocabulary_index.get(i, -1) for i in formula.items)
        return replace(formula, rows=rows,
                       literal_rows=np.array([r for r in rows if r >= 0], dtype=np.int64))

    @classmethod
    def for_pack(cls, pack: FormulaPack, names: Mapping[str, str | None] | None = None,
                 threshold: float = 0.8) -> FormulaMatcher:
        """A matcher over every section of `pack`, placeholders filled from `names`."""
        return cls(pack.groups(), names, pack.fillers, threshold, pack.language)

    def find(self, text: str, section: str, element: str | None = None) -> list[FormulaMatch]:
        """Non-overlapping matches of the section's (element's) formulas in `text`, best first."""
        prepared = self._prepared(text)
        if not prepared.tokens:
            return []
        candidates = [
            found
            for formula in self._section(section, element)
            if (found := self._align(formula, prepared))
        ]
        return select_non_overlapping(candidates)

    def closeness(self, text: str, section: str, element: str | None = None) -> float:
        """How much of the closest formula's words occur in `text` at all (0-1): an upper
        bound of any match's similarity, used to judge how sure an absence is."""
        prepared = self._prepared(text)
        if not prepared.tokens:
            return 0.0
        return max((self._upper_bound(f, prepared) for f in self._section(section, element)),
                   default=0.0)

    def _section(self, section: str, element: str | None) -> Iterator[_Compiled]:
        for (name, key_element), formulas in self._formulas.items():
            if name == section and (element is None or key_element == element):
                yield from formulas

    def _prepare(self, text: str) -> _Prepared:
        """What every formula's alignment needs of a text; cached, as sections share turns."""
        tokens = [t for t in tokenize(text) if t.norm not in self._fillers]
        cased = any(ch.isupper() for ch in text)
        similarity = self._similarity(tokens)
        return _Prepared(tokens, similarity,
                         similarity.max(axis=1) if tokens else np.zeros(len(self._vocabulary)),
                         [self._name_like(text, t, cased) for t in tokens])

    def _similarity(self, tokens: list[Token]) -> np.ndarray:
        """Vocabulary × text-token similarity, zero below each word's floor."""
        if not self._vocabulary or not tokens:
            return np.zeros((len(self._vocabulary), len(tokens)))
        words = [t.norm for t in tokens]
        scores = cdist(self._vocabulary, words, scorer=Levenshtein.normalized_similarity,
                       dtype=np.float32)
        bare = [_without_clitic(w) for w in words]
        if bare != words:
            stripped = cdist(self._vocabulary, bare, scorer=Levenshtein.normalized_similarity,
                             dtype=np.float32)
            scores = np.maximum(scores, stripped * _CLITIC_DISCOUNT)
        scores[scores < self._floors[:, None] * _CLITIC_DISCOUNT - 1e-6] = 0.0
        return scores

    def _name_like(self, text: str, token: Token, cased: bool) -> bool:
        """Could this word be (part of) a name? In cased text a name is capitalised; in
        lowercase text (speech recognition, caseless scripts) it is not a very common word."""
        if token.norm in self._vocabulary_index or token.norm.isdigit():
            return False
        if cased:
            return text[token.start:token.start + 1].isupper()
        if not self._has_frequencies:
            return True
        return wordfreq.zipf_frequency(token.norm, self.language or "") < NAME_MAX_ZIPF

    def _upper_bound(self, formula: _Compiled, prepared: _Prepared) -> float:
        """The best each literal word could do anywhere in the text, averaged."""
        return float(prepared.row_max[formula.literal_rows].sum()) / formula.literal_count

    def _align(self, formula: _Compiled, prepared: _Prepared) -> FormulaMatch | None:
        if self._upper_bound(formula, prepared) < self.threshold:
            return None  # cheap test first: most formulas are nowhere near most texts
        tokens, similarity, name_like = prepared.tokens, prepared.similarity, prepared.name_like
        rows = formula.rows
        n = len(tokens)
        inf = float("inf")
        cost = [0.0] * (n + 1)
        origin = list(range(n + 1))
        for item, row in zip(formula.items, rows, strict=True):
            new_cost = [inf] * (n + 1)
            new_origin = [0] * (n + 1)
            for j in range(n + 1):
                options: list[tuple[float, int]] = []
                if row >= 0:
                    options.append((cost[j] + 1.0, origin[j]))  # formula word missing
                    if j > 0:
                        sim = float(similarity[row, j - 1])
                        options.append((cost[j - 1] + (1.0 - sim if sim > 0 else 1.0),
                                        origin[j - 1]))
                else:
                    options.append((cost[j] + _MISSING_PLACEHOLDER_COST, origin[j]))
                    needs_name = item in _NAME_PLACEHOLDERS
                    for width in range(1, min(_MAX_PLACEHOLDER_WORDS, j) + 1):
                        if needs_name and not name_like[j - width]:
                            break
                        options.append((cost[j - width], origin[j - width]))
                if j > 0 and new_cost[j - 1] < inf:
                    options.append((new_cost[j - 1] + _EXTRA_WORD_COST, new_origin[j - 1]))
                new_cost[j], new_origin[j] = min(options, key=lambda o: o[0])
            cost, origin = new_cost, new_origin
        end = min(range(1, n + 1), key=lambda j: (cost[j], j))
        # Placeholders match any name, so only the formula's own words earn similarity.
        score = max(0.0, 1.0 - cost[end] / formula.literal_count)
        start = origin[end]
        if score < self.threshold or start >= end:
            return None
        return FormulaMatch(formula.text, formula.section, formula.element,
                            tokens[start].start, tokens[end - 1].end, round(score, 3),
                            formula.literal_count)


@lru_cache(maxsize=1)
def word_frequency_languages() -> frozenset[str]:
    """Languages wordfreq has word lists for and can split into words here (its own lookup is
    slow to repeat): Chinese needs jieba, Japanese and Korean MeCab, optional extras."""
    return frozenset(code for code in wordfreq.available_languages() if _splits_words(code))


def _splits_words(language: str) -> bool:
    try:
        wordfreq.tokenize("a", language)
    except ImportError:
        return False
    return True


def select_non_overlapping(matches: Iterable[FormulaMatch]) -> list[FormulaMatch]:
    """Best-ranked matches first, dropping any that overlaps one already chosen."""
    chosen: list[FormulaMatch] = []
    for match in sorted(matches, key=lambda m: (-m.rank, m.start)):
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return chosen
