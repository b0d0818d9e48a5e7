"""Farewell: the standard closing (thanks, anything-else check, closing wish) in the agent's
last turns, with the dialog-act model's view of them (see elements.py)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from scorer.criteria.base import register_criterion
from scorer.criteria.elements import ElementsCriterion, ElementsParams, closing_window


class FarewellParams(ElementsParams):
    elements: list[str] = Field(default=["thanks", "anything_else", "closing_wish"], min_length=1)
    closing_turns: int = Field(default=3, ge=1, description="agent turns that count as closing")


@register_criterion("farewell")
class Farewell(ElementsCriterion[FarewellParams]):
    params_model = FarewellParams
    section = "farewell"
    element_acts: ClassVar[dict[str, str]] = {"thanks": "thanking", "closing_wish": "closing"}
    view_acts = ("closing", "thanking")

    def window(self, agent_turns: list[int]) -> list[int]:
        return closing_window(agent_turns, self.params.closing_turns)
