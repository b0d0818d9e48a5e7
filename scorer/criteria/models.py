"""The learned models criteria read: loaded once per process from the registry, by the name a
scorecard gives (`default` = the shipped model for the conversation's language; a language no
shipped model serves has none, and the criterion does without or is not applicable)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from scorer.criteria.base import lacks

if TYPE_CHECKING:
    from models.heads import TurnInput
    from models.heads.classifier import Encoding
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


@lru_cache(maxsize=64)
def has_default_model(task: str, language: str) -> bool:
    """Whether a shipped model of `task` serves `language` (what `default` stands for)."""
    from models.registry import SHIPPED_ROOT, list_models

    return any(m.task == task and m.licence == "ship" and language in m.serves_languages
               for m, _ in list_models([SHIPPED_ROOT]))


def serving_model(task: str, name: str, language: str) -> LoadedModel | None:
    """The model `name` for a conversation in `language`: None when `name` is the default and
    no shipped model of `task` serves `language`. A model named explicitly is the scorecard's
    choice, loaded whatever languages it serves."""
    if name == DEFAULT_MODEL and not has_default_model(task, language):
        return None
    return load_criterion_model(task, name, language)


def configured_model(task: str, name: str | None, language: str,
                     details: dict[str, Any]) -> LoadedModel | None:
    """The model a criterion's `params.model` names for `language`; None without one (null:
    formulas only), and when the language has none, `details["model_not_applicable"]` says
    so."""
    if name is None:
        return None
    model = serving_model(task, name, language)
    if model is None:
        details["model_not_applicable"] = lacks([language], f"shipped {task} model")
    return model


def model_label(model: LoadedModel) -> str:
    return f"{model.manifest.name} v{model.manifest.version}"


def model_encodings(model: LoadedModel, inputs: Sequence[str | TurnInput]) -> list[Encoding]:
    """What `class_probabilities(model, inputs, ...)` will encode; none for a head that
    encodes on its own (a fine-tuned model)."""
    plan = getattr(model.estimator, "planned_encoding", None)
    return [] if plan is None or not inputs else list(plan(list(inputs)))


def class_probabilities(model: LoadedModel, inputs: Sequence[str | TurnInput],
                        label: str) -> np.ndarray:
    """P(`label`) for each input."""
    classes = list(model.estimator.classes_)
    if label not in classes:
        raise ValueError(f"model {model_label(model)} has no class {label!r}: {classes}")
    if not inputs:
        return np.zeros(0)
    return predicted_probabilities(model, inputs)[:, classes.index(label)]


def predicted_probabilities(model: LoadedModel, inputs: Sequence[str | TurnInput]) -> np.ndarray:
    """The model's (inputs, classes) probabilities."""
    import sklearn  # loaded with the model anyway

    # scikit-learn re-validates every array in each of the calibrated classifiers; the
    # features are our own finite floats, so skipping that halves the call's cost.
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        return np.asarray(model.estimator.predict_proba(list(inputs)))
