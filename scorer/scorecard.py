"""Scorecards: an organisation's service standards as configuration.

A scorecard (YAML in `configs/scorecards/`) names the criteria it uses, each with a weight, a
pass threshold, a critical flag and the criterion's own parameters, plus the names that fill
the formulas' placeholders and phrases added to the formula packs. It is validated once, on
load, and every problem is reported with the dotted path of the bad key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scorer.criteria import Criterion, criterion_class, registered_criteria
from scorer.errors import ConfigError
from scorer.flags import FlagRules
from scorer.formulas import load_pack
from scorer.language import SUPPORTED_LANGUAGES
from scorer.model_gate import check_model_switch

CONFIGS_DIR = Path(__file__).resolve().parent.parent / "configs" / "scorecards"


class CriterionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str | None = Field(default=None, description="registered criterion; default: the key")
    weight: float = Field(gt=0)
    pass_threshold: float = Field(default=0.8, ge=0, le=1)
    critical: bool = False
    params: dict[str, Any] = Field(default_factory=dict)


class Scorecard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    company: str | None = Field(default=None, description="fills {company} in the formulas")
    agent_names: dict[str, str] = Field(
        default_factory=dict,
        description="agent id → name, fills {agent_name} when the conversation has no name")
    pass_score: float = Field(default=80, ge=0, le=100)
    languages: list[str] = Field(default_factory=lambda: list(SUPPORTED_LANGUAGES))
    formulas: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="language → phrases added to that formula pack")
    criteria: dict[str, CriterionSpec] = Field(min_length=1)
    keep_originals: bool = Field(
        default=False, description="the service keeps uploads of this scorecard's imports, "
                                   "encrypted (IQS_ORIGINALS_KEY); otherwise they are deleted "
                                   "once their redacted conversations are stored")
    flags: FlagRules = Field(
        default_factory=FlagRules,
        description="rules that send a scored conversation to the review queue")

    @model_validator(mode="after")
    def _known_languages(self) -> Scorecard:
        for language in [*self.languages, *self.formulas]:
            if language not in SUPPORTED_LANGUAGES:
                raise ValueError(f"language {language!r} is not supported "
                                 f"({', '.join(SUPPORTED_LANGUAGES)})")
        return self

    @model_validator(mode="after")
    def _flagged_criteria_exist(self) -> Scorecard:
        unknown = [n for n in self.flags.criteria_failed if n not in self.criteria]
        if unknown:
            raise ValueError(f"flags.criteria_failed: {', '.join(map(repr, unknown))} not a "
                             f"criterion of this scorecard ({', '.join(self.criteria)})")
        return self

    def build_criteria(self) -> list[tuple[str, CriterionSpec, Criterion[Any]]]:
        """(key, spec, criterion) for every criterion, parameters validated."""
        built = []
        for key, spec in self.criteria.items():
            cls = criterion_class(spec.type or key)
            params = cls.params_model.model_validate(spec.params)
            built.append((key, spec, cls(params, spec.pass_threshold)))
        return built


def parse_scorecard(data: object, location: str) -> Scorecard:
    """Validate scorecard data; errors name `location` and the path of each bad key."""
    try:
        scorecard = Scorecard.model_validate(data)
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, location=location) from exc
    for key, spec in scorecard.criteria.items():
        name = spec.type or key
        if name not in registered_criteria():
            field = "type" if spec.type else ""
            path = ".".join(p for p in ("criteria", key, field) if p)
            raise ConfigError.at(path, f"unknown criterion {name!r}; known: "
                                 f"{', '.join(registered_criteria())}", location=location)
        try:
            criterion_class(name).params_model.model_validate(spec.params)
        except ValidationError as exc:
            raise ConfigError.from_validation(exc, location, ("criteria", key, "params")
                                              ) from exc
    _check_formula_additions(scorecard, location)
    check_model_switch(scorecard.criteria, location)
    return scorecard


def _check_formula_additions(scorecard: Scorecard, location: str) -> None:
    for language, additions in scorecard.formulas.items():
        try:
            load_pack(language).extended(additions)
        except (ValidationError, KeyError, TypeError) as exc:
            raise ConfigError.at(f"formulas.{language}",
                                 f"not the shape of a formula pack ({exc})",
                                 location=location) from exc


def load_scorecard(path: str | Path | None = None) -> Scorecard:
    """Load a scorecard file; a bare name ("default") is looked up in configs/scorecards/."""
    path = Path(path) if path is not None else CONFIGS_DIR / "default.yaml"
    if not path.suffix and not path.exists():
        path = CONFIGS_DIR / f"{path}.yaml"
    if not path.is_file():
        raise ConfigError("scorecard file not found", location=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid YAML: {exc}", location=str(path)) from exc
    return parse_scorecard(data, str(path))


def bundled_scorecards() -> list[Path]:
    return sorted(CONFIGS_DIR.glob("*.yaml"))
