"""Formula packs: an organisation's standard phrases per language, as data.

A pack is a YAML file, `corpora/formulas/<lang>.yaml`; a scorecard may add phrases of its own.
Matching them in text is `scorer.matching`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scorer.conversation import Role
from scorer.errors import ConfigError

PLACEHOLDERS = ("agent_name", "company", "customer_name")
MATCHABLE_SECTIONS = ("greeting", "farewell", "empathy", "apology", "politeness", "rudeness",
                      "distress")


class FormulaPack(BaseModel):
    """Standard phrases of one language, grouped by section and element."""

    model_config = ConfigDict(extra="forbid")

    language: str
    name: str
    greeting: dict[str, list[str]] = Field(default_factory=dict)
    farewell: dict[str, list[str]] = Field(default_factory=dict)
    empathy: list[str] = Field(default_factory=list)
    apology: list[str] = Field(default_factory=list)
    politeness: list[str] = Field(default_factory=list)
    rudeness: list[str] = Field(default_factory=list)
    distress: list[str] = Field(default_factory=list)
    fillers: list[str] = Field(default_factory=list)
    roles: dict[Role, list[str]] = Field(default_factory=dict)

    def groups(self) -> dict[tuple[str, str | None], list[str]]:
        """Phrases keyed by (section, element); element is None for flat sections."""
        groups: dict[tuple[str, str | None], list[str]] = {}
        for section in MATCHABLE_SECTIONS:
            value = getattr(self, section)
            if isinstance(value, dict):
                groups.update({(section, element): list(p) for element, p in value.items()})
            else:
                groups[(section, None)] = list(value)
        return groups

    def extended(self, additions: Mapping[str, object]) -> FormulaPack:
        """A copy with the phrases of `additions` (same shape as a pack) appended."""
        merged = self.model_dump()
        for section, value in additions.items():
            if isinstance(value, dict):
                for element, phrases in value.items():
                    merged[section].setdefault(element, [])
                    merged[section][element] += list(phrases)
            elif isinstance(value, list):
                merged[section] += list(value)
        return FormulaPack.model_validate(merged)


def packs_directory() -> Path:
    return Path(str(resources.files("corpora") / "formulas"))


def available_languages() -> list[str]:
    return sorted(p.stem for p in packs_directory().glob("*.yaml"))


@lru_cache(maxsize=32)
def load_pack(language: str, directory: Path | None = None) -> FormulaPack:
    """The formula pack of `language` from `directory` (default: the bundled packs)."""
    path = (directory or packs_directory()) / f"{language}.yaml"
    if not path.is_file():
        raise ConfigError(f"no formula pack for language {language!r}", location=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return FormulaPack.model_validate(data)
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", location=str(path)) from exc
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, location=str(path)) from exc
