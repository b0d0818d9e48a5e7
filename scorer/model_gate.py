"""The switch gate: a scorecard may name a model trained from the QA service's reviews
(`POST /v1/models/train`) only where that model's stored comparison shows it agrees with the
held-back reviews at least as well (Cohen's kappa) as the model the reviewed scorecard used.
Shipped models, `default`, and user models trained on other data pass as before."""

from __future__ import annotations

from typing import Any

from scorer.criteria.models import DEFAULT_MODEL
from scorer.errors import ConfigError


def _number(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def check_model_switch(criteria: dict[str, Any], location: str) -> None:
    """ConfigError naming the criterion, the model and both kappas where a criterion's
    `params.model` names a reviews-trained model that is not shown to agree as well."""
    from models.registry import list_models  # reads manifests only: no estimator is loaded

    named = {key: spec.params.get("model") for key, spec in criteria.items()}
    named = {key: name for key, name in named.items()
             if isinstance(name, str) and name != DEFAULT_MODEL}
    if not named:
        return
    latest: dict[str, Any] = {}
    for manifest, _ in list_models():
        if manifest.name in named.values() and (
                manifest.name not in latest or manifest.version > latest[manifest.name].version):
            latest[manifest.name] = manifest
    for key, name in named.items():
        found = latest.get(name)
        if found is None or not found.trained_from_reviews:
            continue
        manifest = found
        field = f"criteria.{key}.params.model"
        comparison = manifest.review_comparison
        if comparison is None:
            raise ConfigError(f"{field}: model {name!r} v{manifest.version} was trained from "
                              "reviews but has no stored comparison with the held-back "
                              "reviews (its training job did not finish)", location=location)
        if not comparison.not_lower:
            raise ConfigError(
                f"{field}: model {name!r} v{manifest.version} lowers agreement with the "
                f"held-back reviews of {comparison.scorecard} v{comparison.scorecard_version} "
                f"({comparison.criterion}): kappa {_number(comparison.new.kappa)} against "
                f"{_number(comparison.active.kappa)} with {comparison.active.model}",
                location=location)
