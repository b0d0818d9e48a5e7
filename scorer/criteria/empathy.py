"""Empathy: when the customer shows frustration or distress, the agent answers with an empathy
or apology statement within the next few agent turns. Not applicable when the customer is never
upset.

Distress is found by the formula pack's distress phrases and, for English, by VADER's negative
sentiment (VADER's lexicon is English only).
"""

from __future__ import annotations

from functools import lru_cache

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


class EmpathyParams(CriterionParams):
    response_turns: int = Field(default=2, ge=1,
                                description="agent turns after the distress that may answer it")
    vader_threshold: float = Field(default=-0.6, ge=-1, le=0,
                                   description="VADER compound at or below which English is "
                                               "distressed")
    use_sentiment: bool = True


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@register_criterion("empathy")
class Empathy(Criterion[EmpathyParams]):
    params_model = EmpathyParams

    def evaluate(self, context: CriterionContext) -> CriterionResult:
        episodes = self._episodes(context)
        if not episodes:
            return self.not_applicable("the customer shows no frustration or distress", 0.7)
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
                           distress_episodes=len(episodes), answered=answered)

    def _episodes(self, context: CriterionContext) -> list[Evidence]:
        """The first distressed customer turn of each run of turns before an agent reply."""
        episodes: list[Evidence] = []
        in_episode = False
        for index, turn in enumerate(context.conversation.turns):
            if turn.role is Role.AGENT:
                in_episode = False
            elif turn.role is Role.CUSTOMER and not in_episode:
                distress = self._distress(context, index)
                if distress is not None:
                    episodes.append(distress)
                    in_episode = True
        return episodes

    def _distress(self, context: CriterionContext, index: int) -> Evidence | None:
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
        return None

    def _response(self, context: CriterionContext, distress_turn: int) -> Evidence | None:
        later_agent = [i for i, _ in context.conversation.agent_turns() if i > distress_turn]
        for index in later_agent[: self.params.response_turns]:
            text = context.conversation.turns[index].text
            for section in ("empathy", "apology"):
                matches = context.find(index, section)
                if matches:
                    return Evidence.from_match(index, text, matches[0],
                                               note="agent empathy response")
        return None
