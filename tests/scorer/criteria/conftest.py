"""Score a conversation written as (role, text) pairs with one criterion of a real scorecard."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from scorer.conversation import Conversation
from scorer.criteria import CriterionResult
from scorer.scorecard import parse_scorecard
from scorer.scoring import Scorer

Turns = Sequence[tuple[str, str] | tuple[str, str, float, float]]
Evaluate = Callable[..., CriterionResult]


def conversation(turns: Turns, **fields: Any) -> Conversation:
    parsed = []
    for turn in turns:
        role, text, *times = turn
        parsed.append({"role": role, "text": text,
                       **({"start": times[0], "end": times[1]} if times else {})})
    return Conversation.model_validate({"id": "test", **fields, "turns": parsed})


@pytest.fixture
def evaluate() -> Evaluate:
    def run(criterion: str, turns: Turns, params: dict[str, Any] | None = None,
            company: str | None = None, language: str | None = None,
            **fields: Any) -> CriterionResult:
        card = parse_scorecard({"name": "t", "company": company, "criteria": {
            criterion: {"weight": 1, "params": params or {}}}}, "test")
        return Scorer(card, language=language).score(conversation(turns, **fields)) \
            .criteria[criterion]

    return run
