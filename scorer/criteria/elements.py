"""Shared by greeting and farewell: which required formula elements the agent said in a window
of turns, and how sure that is.

Formulas decide first. When a dialog-act model is configured (`params.model`), it reads every
window turn with its context (the turn before, its place in the conversation) once per
conversation, and:
- the evidence always shows its view: the window turn most like the section's acts, with P;
- an element mapped to an act (salutation → greeting, thanks → thanking, closing wish →
  closing) that no formula matched is credited when the model's P(act) reaches
  `model_threshold`, on the turn's words outside the formulas already matched (so "my name is
  Anna" does not also count as a salutation because the model calls it a greeting);
- every element's confidence blends the formula's certainty with the model's.
"""

from __future__ import annotations

import math
import re
from abc import abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np
from pydantic import Field

from scorer.criteria.base import (
    Criterion,
    CriterionContext,
    CriterionParams,
    CriterionResult,
    Evidence,
)
from scorer.criteria.models import (
    configured_model,
    model_encodings,
    model_field,
    model_label,
    predicted_probabilities,
)

if TYPE_CHECKING:
    from models.heads import TurnInput
    from models.heads.classifier import Encoding
    from models.registry import LoadedModel

MODEL_TASK = "dialog-acts"
MODEL_VIEW = "model view"
"""Start of the note of the evidence that only shows the model's view (it claims nothing)."""
CREDITED = "credited by model"
SUGGESTED_THRESHOLD = 0.6
"""The lowest threshold that credited nothing wrong on 400 STC-3 helpdesk chats (ship data;
benchmarks/GREETING_FAREWELL.md): the shipped heads give even the packs' own English formulas
only P 0.4-0.55. Not the default: on SwDA it added no correct turn and one wrong one."""
_LETTER = re.compile(r"[^\W\d_]")


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
    presence: dict[str, float] = field(default_factory=dict)
    """Per element, how strongly the formulas say it is there: the best similarity when
    found, else how close the window came to one of its formulas."""
    spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    """Per turn, the character spans the section's formulas matched."""
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
                check.spans.setdefault(index, []).extend((m.start, m.end) for m in matches)
                best = max(best, matches[0].similarity)
        if best > 0:
            check.found.append(element)
            check.presence[element] = best
            check.confidences.append(best)
        else:
            closest = max((context.closeness(i, section, element) for i in turn_indices),
                          default=0.0)
            check.missing.append(element)
            check.presence[element] = closest
            check.confidences.append(1.0 - closest)
    check.evidence.sort(key=lambda e: (e.turn or 0, e.start or 0))
    return check


def turn_input(context: CriterionContext, index: int, text: str | None = None) -> TurnInput:
    """The turn as the dialog-act heads read it (as in training/tasks/dialog_acts.py)."""
    from models.heads import TurnInput

    turns = context.conversation.turns
    previous = turns[index - 1].text if index > 0 else None
    return TurnInput(turns[index].text if text is None else text, previous, index,
                     len(turns) - index - 1)


def residual_text(text: str, spans: list[tuple[int, int]]) -> str:
    """The text without the formula spans already matched."""
    kept, position = [], 0
    for start, end in sorted(spans):
        kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    return " ".join(" ".join(kept).split())


def _act_inputs(context: CriterionContext, window: list[int], check: ElementCheck,
                ) -> tuple[list[TurnInput], list[str], list[int]]:
    """What the model reads: every window turn whole, then the residual of each turn with
    matched formulas (only those need a second reading); the residuals and those turns'
    positions in the window."""
    turns = context.conversation.turns
    residuals = [residual_text(turns[i].text, check.spans.get(i, [])) for i in window]
    extra = [k for k, i in enumerate(window) if check.spans.get(i)]
    inputs = [turn_input(context, i) for i in window]
    inputs += [turn_input(context, window[k], residuals[k]) for k in extra]
    return inputs, residuals, extra


@dataclass(frozen=True)
class ActView:
    """The model's P(act) for each window turn, on the whole turn and on its residual."""

    model: str
    turns: list[int]
    whole: dict[str, np.ndarray]
    residual: dict[str, np.ndarray]


class ElementsParams(CriterionParams):
    elements: list[str]
    model: str | None = model_field()
    model_threshold: float | None = Field(
        default=None, ge=0, le=1,
        description="P(act) from which the model credits an element no formula matched; "
                    f"null (default): the model adds evidence and confidence only; "
                    f"{SUGGESTED_THRESHOLD} credits what it is surest of")
    model_weight: float = Field(default=0.3, ge=0, le=1,
                                description="share of the model's certainty in the confidence")


ElementsParamsT = TypeVar("ElementsParamsT", bound=ElementsParams)


class ElementsCriterion(Criterion[ElementsParamsT]):
    """A criterion met by saying a section's formula elements within a window of agent turns."""

    section: ClassVar[str]
    element_acts: ClassVar[dict[str, str]]
    """Element → the dialog act the model may credit it by."""
    view_acts: ClassVar[tuple[str, ...]]
    """The acts whose summed P picks the window turn shown as the model's view."""

    @abstractmethod
    def window(self, agent_turns: list[int]) -> list[int]:
        """The agent turns (indices) in which the elements must be said."""

    def evaluate(self, context: CriterionContext) -> CriterionResult:
        agent_turns = [i for i, _ in context.conversation.agent_turns()]
        if not agent_turns:
            return self.not_applicable("the agent has no turns")
        window = self.window(agent_turns)
        unsupported = context.languages_without_formulas(window)
        if unsupported:
            return self.unsupported(unsupported, "formula pack")
        check = check_elements(context, window, self.section, self.params.elements)
        evidence = check.evidence
        details: dict[str, Any] = {}
        model = self._model(context, details)
        if model is not None:
            evidence, details = self._combine(context, check,
                                              self._act_view(context, window, check, model))
        return self.result(check.score(), check.confidence(), evidence, found=check.found,
                           missing=check.missing, turns_checked=window, **details)

    def encodings(self, context: CriterionContext) -> list[Encoding]:
        """The window turns the model reads (as `evaluate`), whole and without formulas."""
        agent_turns = [i for i, _ in context.conversation.agent_turns()]
        if not agent_turns:
            return []
        window = self.window(agent_turns)
        model = self._model(context, {})
        if model is None or context.languages_without_formulas(window):
            return []
        check = check_elements(context, window, self.section, self.params.elements)
        return model_encodings(model, _act_inputs(context, window, check)[0])

    def _model(self, context: CriterionContext, details: dict[str, Any]) -> LoadedModel | None:
        return configured_model(MODEL_TASK, self.params.model,
                                context.conversation.language or "en", details)

    def _act_view(self, context: CriterionContext, window: list[int], check: ElementCheck,
                  model: LoadedModel) -> ActView:
        """One predict_proba call for all window turns, whole and without matched formulas."""
        inputs, residuals, extra = _act_inputs(context, window, check)
        probabilities = predicted_probabilities(model, inputs)
        classes = [str(c) for c in model.estimator.classes_]
        whole = probabilities[: len(window)]
        residual = whole.copy()
        for row, k in enumerate(extra):
            # Nothing left but punctuation: the formulas said it all, no act remains.
            residual[k] = (probabilities[len(window) + row] if _LETTER.search(residuals[k])
                           else 0.0)
        acts = set(self.element_acts.values()) | set(self.view_acts)
        for act in acts:
            if act not in classes:
                raise ValueError(f"model {model_label(model)} has no class {act!r}: {classes}")
        return ActView(model_label(model), window,
                       {a: whole[:, classes.index(a)] for a in acts},
                       {a: residual[:, classes.index(a)] for a in acts})

    def _combine(self, context: CriterionContext, check: ElementCheck,
                 view: ActView) -> tuple[list[Evidence], dict[str, object]]:
        """Credit mapped elements the model is sure of, blend confidences, add its view."""
        turns = context.conversation.turns
        threshold = self.params.model_threshold
        weight = self.params.model_weight
        evidence = list(check.evidence)
        credited: list[str] = []
        confidences: list[float] = []
        for element in self.params.elements:
            act = self.element_acts.get(element)
            present = element in check.found
            formula = check.presence[element]
            formula_certainty = formula if present else 1.0 - formula
            if act is None:
                confidences.append(formula_certainty)
                continue
            # A said element is checked against the whole turns; a missing one against what
            # the formulas left, which is also what a credit rests on.
            probabilities = view.whole[act] if present else view.residual[act]
            best = int(probabilities.argmax())
            p = float(probabilities[best])
            if not present and threshold is not None and p >= threshold:
                present = True
                credited.append(element)
                index = view.turns[best]
                evidence.append(Evidence(
                    turn=index, start=0, end=len(turns[index].text), text=turns[index].text,
                    similarity=round(p, 3),
                    note=f"{self.section}.{element} {CREDITED} {view.model}: "
                         f"P({act}) {p:.2f} >= {threshold:.2f}, no formula matched"))
                formula_certainty = formula
            model_certainty = p if present else 1.0 - p
            confidences.append((1 - weight) * formula_certainty + weight * model_certainty)
        check.found = [e for e in self.params.elements if e in check.found or e in credited]
        check.missing = [e for e in check.missing if e not in credited]
        check.confidences = confidences
        summed = np.sum([view.whole[a] for a in self.view_acts], axis=0)
        best = int(np.argmax(summed))
        index = view.turns[best]
        shown = ", ".join(f"P({a}) {float(view.whole[a][best]):.2f}" for a in self.view_acts)
        # A credit on that turn already shows the same P: no second copy of the turn.
        if not (len(self.view_acts) == 1 and any(
                e.turn == index and CREDITED in (e.note or "") for e in evidence)):
            evidence.append(Evidence(
                turn=index, start=0, end=len(turns[index].text), text=turns[index].text,
                similarity=round(float(summed[best]), 3),
                note=f"{MODEL_VIEW} ({view.model}): the {self.section} window turn most like "
                     f"{' or '.join(self.view_acts)}, {shown}"))
        evidence.sort(key=lambda e: (e.turn or 0, e.start or 0))
        details: dict[str, object] = {
            "model": view.model, "model_turn": index,
            "model_p": {a: round(float(view.whole[a][best]), 3) for a in self.view_acts},
            "credited_by_model": credited}
        return evidence, details
