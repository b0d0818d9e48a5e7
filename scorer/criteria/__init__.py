"""Criteria, one module each, registered by name for scorecards to use."""

from scorer.criteria import (  # noqa: F401  (importing registers them)
    empathy,
    farewell,
    greeting,
    jargon,
    politeness,
    quality,
    response_time,
)
from scorer.criteria.base import (
    Criterion,
    CriterionContext,
    CriterionResult,
    Evidence,
    criterion_class,
    register_criterion,
    registered_criteria,
)

__all__ = [
    "Criterion",
    "CriterionContext",
    "CriterionResult",
    "Evidence",
    "criterion_class",
    "register_criterion",
    "registered_criteria",
]
