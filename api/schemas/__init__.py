"""Shapes at the HTTP boundary, one module per resource, apart from the store's tables."""

from api.schemas.common import ErrorBody, FieldProblem, Health, ScorecardCriterion, ScorecardInfo

__all__ = ["ErrorBody", "FieldProblem", "Health", "ScorecardCriterion", "ScorecardInfo"]
