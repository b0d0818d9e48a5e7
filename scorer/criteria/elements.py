"""Shared by greeting and farewell: which required formula elements the agent said in a window
of turns, and how sure that is."""

from __future__ import annotations

import math
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

from scorer.criteria.base import (
    Criterion,
    CriterionContext,
    CriterionParams,
    CriterionResult,
    Evidence,
)


def opening_window(agent_turns: list[int], size: int) -> list[int]:
    """The first `size` agent turns, but never the second half of a short conversation, so that
    the opening and the closing are judged on different turns."""
    return agent_turns[: min(size, max(1, math.ceil(len(agent_turns) / 2)))]


def closing_window(agent_turns: list[int], size: int) -> list[int]:
    """The last `size` agent turns, but never the first half of a short conversation."""
    return agent_turns[-min(size, max(1, len(agent_turns) // 2)):]


@dataclass
class ElementCheck:
    evidence: list[Evidence] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)

    def score(self) -> float:
        total = len(self.found) + len(self.missing)
        return len(self.found) / total if total else 1.0

    def confidence(self) -> float:
        return sum(self.confidences) / len(self.confidences) if self.confidences else 1.0


def check_elements(context: CriterionContext, turn_indices: list[int], section: str,
                   elements: list[str]) -> ElementCheck:
    """For each element, every turn of the window that says it (evidence), or a miss.

    A found element's confidence is its best similarity; a missing one's is one minus how close
    the window came to one of its formulas, so a phrase that almost matched makes the absence
    uncertain."""
    check = ElementCheck()
    for element in elements:
        best = 0.0
        for index in turn_indices:
            matches = context.find(index, section, element)
            if matches:
                text = context.conversation.turns[index].text
                check.evidence.append(Evidence.from_match(index, text, matches[0]))
                best = max(best, matches[0].similarity)
        if best > 0:
            check.found.append(element)
            check.confidences.append(best)
        else:
            closest = max((context.closeness(i, section, element) for i in turn_indices),
                          default=0.0)
            check.missing.append(element)
            check.confidences.append(1.0 - closest)
    check.evidence.sort(key=lambda e: (e.turn or 0, e.start or 0))
    return check


class ElementsParams(CriterionParams):
    elements: list[str]


ElementsParamsT = TypeVar("ElementsParamsT", bound=ElementsParams)


class ElementsCriterion(Criterion[ElementsParamsT]):
    """A criterion met by saying a section's formula elements within a window of agent turns."""

    section: ClassVar[str]

    @abstractmethod
    def window(self, agent_turns: list[int]) -> list[int]:
        """The agent turns (indices) in which the elements must be said."""

    def evaluate(self, context: CriterionContext) -> CriterionResult:
        agent_turns = [i for i, _ in context.conversation.agent_turns()]
        if not agent_turns:
            return self.not_applicable("the agent has no turns")
        window = self.window(agent_turns)
        check = check_elements(context, window, self.section, self.params.elements)
        return self.result(check.score(), check.confidence(), check.evidence,
                           found=check.found, missing=check.missing, turns_checked=window)
