"""Greeting: the standard opening formula (salutation, self-identification, offer of help) in
the agent's first turns, with the dialog-act model's view of them (see elements.py)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from scorer.criteria.base import register_criterion
from scorer.criteria.elements import ElementsCriterion, ElementsParams, opening_window


class GreetingParams(ElementsParams):
    elements: list[str] = Field(
        default=["salutation", "self_identification", "offer_of_help"], min_length=1)
    opening_turns: int = Field(default=3, ge=1, description="agent turns that count as opening")


@register_criterion("greeting")
class Greeting(ElementsCriterion[GreetingParams]):
    params_model = GreetingParams
    section = "greeting"
    element_acts: ClassVar[dict[str, str]] = {"salutation": "greeting"}
    view_acts = ("greeting",)

    def window(self, agent_turns: list[int]) -> list[int]:
        return opening_window(agent_turns, self.params.opening_turns)
