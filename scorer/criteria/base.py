"""What every criterion takes and returns.

A criterion is a class registered by name (`@register_criterion("greeting")`), built from the
`params` a scorecard gives it, and evaluated on one conversation at a time. Its result is a
0-1 score or not-applicable, with the evidence a supervisor needs to check it.

A criterion that needs a formula pack or a model the conversation's language lacks ("de") is
not applicable, saying so (`Criterion.unsupported`); it never guesses with another language's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from scorer.conversation import Conversation
from scorer.matching import FormulaMatch, FormulaMatcher, select_non_overlapping
from scorer.timing import TimingMetrics

if TYPE_CHECKING:
    from models.heads.classifier import Encoding


class Evidence(BaseModel):
    """One observation behind a score: a span of a turn, and what it matched."""

    turn: int | None
    start: int | None = None
    end: int | None = None
    text: str
    formula: str | None = None
    similarity: float | None = None
    note: str | None = None

    @classmethod
    def from_match(cls, turn: int, turn_text: str, match: FormulaMatch,
                   note: str | None = None) -> Evidence:
        label = ".".join(p for p in (match.section, match.element) if p)
        return cls(turn=turn, start=match.start, end=match.end,
                   text=turn_text[match.start:match.end], formula=f"{label}: {match.formula}",
                   similarity=match.similarity, note=note)


class CriterionResult(BaseModel):
    name: str
    score: float | None = Field(description="0-1, None when not applicable")
    passed: bool | None
    applicable: bool
    confidence: float = Field(ge=0, le=1)
    evidence: list[Evidence] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


class CriterionContext:
    """A conversation (languages detected) with the shared resources criteria draw on.

    Formula searches are remembered: several criteria (and their `encodings`, which need the
    matches too) read the same turn for the same section, and search it once. Matches are
    frozen; each call gets a fresh list."""

    def __init__(self, conversation: Conversation,
                 matchers: Callable[[str], FormulaMatcher | None],
                 timing: TimingMetrics | None, names: dict[str, str | None]) -> None:
        self.conversation = conversation
        self._matchers = matchers
        self.timing = timing
        self.names = names
        self._found: dict[tuple[int, str, str | None], list[FormulaMatch]] = {}
        self._closeness: dict[tuple[int, str, str | None], float] = {}

    def matchers_for(self, turn_index: int) -> list[FormulaMatcher]:
        """Matchers of the turn's language and the conversation's, for code-switched talk."""
        turn = self.conversation.turns[turn_index]
        languages = dict.fromkeys(
            code for code in (turn.language, self.conversation.language) if code)
        found = (self._matchers(language) for language in languages)
        return [m for m in found if m is not None]

    def find(self, turn_index: int, section: str,
             element: str | None = None) -> list[FormulaMatch]:
        """Formula matches in one turn over the languages in play, best first, no overlaps."""
        key = (turn_index, section, element)
        if key not in self._found:
            text = self.conversation.turns[turn_index].text
            self._found[key] = select_non_overlapping(
                m for matcher in self.matchers_for(turn_index)
                for m in matcher.find(text, section, element))
        return list(self._found[key])

    def languages_without_formulas(self, turn_indices: Iterable[int]) -> list[str]:
        """The languages of these turns, when none of them has a formula pack (so formulas can
        judge none of the turns); empty when at least one turn can be judged."""
        turns = list(turn_indices)
        if any(self.matchers_for(i) for i in turns):
            return []
        languages = {code for i in turns for code in (self.conversation.turns[i].language,
                                                      self.conversation.language) if code}
        return sorted(languages)

    def closeness(self, turn_index: int, section: str, element: str | None = None) -> float:
        """How close the turn comes to any formula of the section (see FormulaMatcher)."""
        key = (turn_index, section, element)
        if key not in self._closeness:
            text = self.conversation.turns[turn_index].text
            self._closeness[key] = max((m.closeness(text, section, element)
                                        for m in self.matchers_for(turn_index)), default=0.0)
        return self._closeness[key]


class CriterionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


ParamsT = TypeVar("ParamsT", bound=CriterionParams)


class Criterion(ABC, Generic[ParamsT]):
    """A registered, configurable check of one service standard."""

    name: ClassVar[str]
    params_model: ClassVar[type[CriterionParams]]

    def __init__(self, params: ParamsT, pass_threshold: float) -> None:
        self.params = params
        self.pass_threshold = pass_threshold

    @abstractmethod
    def evaluate(self, context: CriterionContext) -> CriterionResult: ...

    def encodings(self, context: CriterionContext) -> list[Encoding]:
        """The texts its models will encode in `evaluate(context)`, with their encoders, so
        that the scorer encodes those of many conversations together, once, beforehand.
        None by default: a criterion that declares nothing encodes as it goes."""
        return []

    def result(self, score: float, confidence: float, evidence: list[Evidence],
               **details: Any) -> CriterionResult:
        score = round(min(1.0, max(0.0, score)), 4)
        return CriterionResult(name=self.name, score=score,
                               passed=score >= self.pass_threshold - 1e-9, applicable=True,
                               confidence=round(min(1.0, max(0.0, confidence)), 3),
                               evidence=evidence, details=details)

    def not_applicable(self, reason: str, confidence: float = 1.0) -> CriterionResult:
        return CriterionResult(name=self.name, score=None, passed=None, applicable=False,
                               confidence=confidence, details={"reason": reason})

    def unsupported(self, languages: list[str], lacking: str) -> CriterionResult:
        """Not applicable: `languages` have no `lacking` ("formula pack") to judge by."""
        result = self.not_applicable(lacks(languages, lacking))
        result.details["unsupported_languages"] = languages
        return result


def lacks(languages: list[str], lacking: str) -> str:
    """"language 'de' has no formula pack", "languages 'de', 'fr' have no ..."."""
    codes = ", ".join(repr(code) for code in languages)
    if len(languages) == 1:
        return f"language {codes} has no {lacking}"
    return f"languages {codes} have no {lacking}"


_REGISTRY: dict[str, type[Criterion[Any]]] = {}

CriterionT = TypeVar("CriterionT", bound=type[Criterion[Any]])


def register_criterion(name: str) -> Callable[[CriterionT], CriterionT]:
    """Class decorator: make a criterion available to scorecards under `name`."""

    def decorate(cls: CriterionT) -> CriterionT:
        if name in _REGISTRY:
            raise ValueError(f"criterion {name!r} is already registered")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def criterion_class(name: str) -> type[Criterion[Any]]:
    if name not in _REGISTRY:
        raise KeyError(f"unknown criterion {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def registered_criteria() -> list[str]:
    return sorted(_REGISTRY)
