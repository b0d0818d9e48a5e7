"""The learned models criteria read: loaded once per process from the registry, by the name a
scorecard gives (`default` = the shipped model for the conversation's language)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

if TYPE_CHECKING:
    from models.heads import TurnInput
    from models.registry import LoadedModel

DEFAULT_MODEL = "default"


def model_field(default: str | None = DEFAULT_MODEL) -> str | None:
    """A criterion parameter naming its model (a pydantic field)."""
    return Field(  # type: ignore[no-any-return]
        default=default,
        description="'default' (the shipped model for the conversation's language), a model "
                    "name from `iqs models list`, or null for formulas only")


@lru_cache(maxsize=16)
def load_criterion_model(task: str, name: str, language: str) -> LoadedModel:
    """The model `name` (or the shipped default of `task` serving `language`)."""
    from models.registry import default_model, load_model  # loads scikit-learn and joblib

    return default_model(task, language) if name == DEFAULT_MODEL else load_model(name)


def model_label(model: LoadedModel) -> str:
    return f"{model.manifest.name} v{model.manifest.version}"


def class_probabilities(model: LoadedModel, inputs: Sequence[str | TurnInput],
                        label: str) -> np.ndarray:
    """P(`label`) for each input."""
    classes = list(model.estimator.classes_)
    if label not in classes:
        raise ValueError(f"model {model_label(model)} has no class {label!r}: {classes}")
    if not inputs:
        return np.zeros(0)
    return np.asarray(model.estimator.predict_proba(list(inputs))[:, classes.index(label)])
