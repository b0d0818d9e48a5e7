"""Shapes at the HTTP boundary."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


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
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": "invalid file", "fields": [],
         "message": "export.csv:14: not valid UTF-8 text: byte 0xcf at offset 812"}]})

    error: str
    message: str
    fields: list[FieldProblem] = []
