"""Shapes at the HTTP boundary."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

MAX_ID = 2**31 - 1
"""Ids and version numbers from clients fit a 32-bit integer column."""
TEXT = r"^[^\x00-\x1f\x7f]{1,200}$"
"""Ids and names from clients: no control characters (PostgreSQL refuses NUL in text)."""
NAME = r"^[A-Za-z0-9_.-]{1,100}$"


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
