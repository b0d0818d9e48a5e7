"""Politeness: courtesy markers and the learned politeness model across the agent's turns, and
no rudeness.

Any rude phrase fails the criterion. Without rudeness, the formula part grows from 0.5 to 1 with
the courtesy markers (up to `expected_markers`), and, when a model is configured, the score
blends it with the model's mean probability that the agent's turns are polite (a head trained on
the Stanford Politeness Corpus; `iqs models show politeness-minilm`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from scorer.conversation import Turn
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
    model_encodings,
    model_field,
    model_label,
)

if TYPE_CHECKING:
    from models.heads.classifier import Encoding
    from models.registry import LoadedModel


class PolitenessParams(CriterionParams):
    expected_markers: int = Field(default=2, ge=1,
                                  description="courtesy markers for a full score")
    model: str | None = model_field()
    model_weight: float = Field(default=0.5, ge=0, le=1,
                                description="share of the model in the score without rudeness")
    max_evidence: int = Field(default=10, ge=1)


@register_criterion("politeness")
class Politeness(Criterion[PolitenessParams]):
    params_model = PolitenessParams

    def evaluate(self, context: CriterionContext) -> CriterionResult:
        agent_turns = _agent_turns(context)
        if not agent_turns:
            return self.not_applicable("the agent has no turns")
        # Rudeness is found by the formulas only: without them nothing can fail the criterion.
        unsupported = context.languages_without_formulas(i for i, _ in agent_turns)
        if unsupported:
            return self.unsupported(unsupported, "formula pack")
        rude = _evidence(context, agent_turns, "rudeness", "rudeness")
        polite = _evidence(context, agent_turns, "politeness", "courtesy marker")
        details: dict[str, Any] = {"rude": len(rude), "courtesy_markers": len(polite)}
        model_evidence: list[Evidence] = []
        if rude:
            score = 0.0
            confidence = max(e.similarity or 0.0 for e in rude)
        else:
            score = 0.5 + 0.5 * min(1.0, len(polite) / self.params.expected_markers)
            # Rudeness outside the pack's phrases goes unseen, so a clean result is less sure.
            confidence = 0.75
            model = self._model(context, details)
            if model is not None:
                probability, model_evidence, name = self._model_view(model, agent_turns)
                weight = self.params.model_weight
                score = (1 - weight) * score + weight * probability
                confidence = (1 - weight) * confidence + weight * abs(2 * probability - 1)
                details.update(model=name, model_p_polite=round(probability, 3))
        evidence = (rude + model_evidence + polite)[: self.params.max_evidence]
        return self.result(score, confidence, evidence, **details)

    def encodings(self, context: CriterionContext) -> list[Encoding]:
        """The agent's turns, when the model reads them: no rudeness found (as `evaluate`)."""
        agent_turns = _agent_turns(context)
        if (not agent_turns or context.languages_without_formulas(i for i, _ in agent_turns)
                or _evidence(context, agent_turns, "rudeness", "rudeness")):
            return []
        model = self._model(context, {})
        return [] if model is None else model_encodings(model, _model_inputs(agent_turns))

    def _model(self, context: CriterionContext, details: dict[str, Any]) -> LoadedModel | None:
        return configured_model("politeness", self.params.model,
                                context.conversation.language or "en", details)

    def _model_view(self, model: LoadedModel, agent_turns: list[tuple[int, Turn]],
                    ) -> tuple[float, list[Evidence], str]:
        """Mean P(polite) over the agent's turns, and the least polite turn as evidence."""
        probabilities = class_probabilities(model, _model_inputs(agent_turns), "polite")
        lowest = int(probabilities.argmin())
        index, turn = agent_turns[lowest]
        name = model_label(model)
        evidence = Evidence(turn=index, start=0, end=len(turn.text), text=turn.text,
                            similarity=round(float(probabilities[lowest]), 3),
                            note=f"least polite agent turn by {name}: "
                                 f"P(polite) {float(probabilities[lowest]):.2f}")
        return float(probabilities.mean()), [evidence], name


def _agent_turns(context: CriterionContext) -> list[tuple[int, Turn]]:
    return [(i, t) for i, t in context.conversation.agent_turns() if t.text.strip()]


def _evidence(context: CriterionContext, agent_turns: list[tuple[int, Turn]], section: str,
              note: str) -> list[Evidence]:
    """The section's formula matches in the agent's turns."""
    return [Evidence.from_match(index, turn.text, m, note=note)
            for index, turn in agent_turns for m in context.find(index, section)]


def _model_inputs(agent_turns: list[tuple[int, Turn]]) -> list[str]:
    return [turn.text for _, turn in agent_turns]
