"""Shapes at the HTTP boundary."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    version: str
    criteria: list[str]
    languages: list[str]
    checks: dict[str, str] = {}


class ScorecardCriterion(BaseModel):
    type: str
    weight: float
    pass_threshold: float
    critical: bool


class ScorecardInfo(BaseModel):
    name: str
    description: str
    pass_score: float
    criteria: dict[str, ScorecardCriterion]


class FieldProblem(BaseModel):
    field: str
    problem: str


class ErrorBody(BaseModel):
    error: str
    message: str
    fields: list[FieldProblem] = []
