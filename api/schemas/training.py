"""Training from reviews: the train request and the registry's models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import MAX_ID, NAME
from models.registry import Manifest, ReviewComparison


class TrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"task": "politeness", "criterion": "politeness", "scorecard": "default",
         "name": "politeness-reviews", "held_out_share": 0.3, "seed": 0}]})

    task: Literal["politeness", "dialog-acts", "quality"] = Field(
        description="the task whose model is trained (the labels the reviews give)")
    criterion: str = Field(pattern=NAME, description="the scorecard's criterion that reads "
                                                     "the task's model, measured before/after")
    scorecard: str = Field(default="default", pattern=NAME, description="whose reviews")
    version: int | None = Field(default=None, ge=1, le=MAX_ID,
                                description="scorecard version; default: the latest")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$",
                      description="the model's name (a new version of it is trained)")
    held_out_share: float = Field(default=0.3, gt=0, lt=1,
                                  description="share of the reviewed conversations held back")
    seed: int = Field(default=0, ge=0, le=MAX_ID, description="draws the held-back share")


class ModelVersionOut(BaseModel):
    version: int
    task: str
    encoder: str
    licence: str
    shipped: bool
    created: str
    n_examples: int
    trained_from_reviews: bool
    review_comparison: ReviewComparison | None

    @classmethod
    def of(cls, manifest: Manifest, shipped: bool) -> ModelVersionOut:
        return cls(version=manifest.version, task=manifest.task, encoder=manifest.encoder,
                   licence=manifest.licence, shipped=shipped, created=manifest.created,
                   n_examples=manifest.training.n_examples,
                   trained_from_reviews=manifest.trained_from_reviews,
                   review_comparison=manifest.review_comparison)


class ModelOut(BaseModel):
    name: str
    versions: list[ModelVersionOut]
