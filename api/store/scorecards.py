"""Scorecards in the store: immutable versions of the YAML, validated before they are kept.
The bundled scorecards (configs/scorecards) are registered on start-up; a changed file becomes
a new version, never an edit of the old one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.store.tables import Scorecard, ScorecardVersion
from scorer.errors import ConfigError
from scorer.scorecard import Scorecard as ScorecardConfig
from scorer.scorecard import parse_scorecard


def parse_content(content: str, location: str) -> ScorecardConfig:
    """The validated scorecard of a YAML text; ConfigError names `location` and each bad key."""
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", location=location) from exc
    return parse_scorecard(data, location)


def check_version(content: str, name: str | None = None) -> ScorecardConfig:
    """The scorecard of `content` if it may become a version (ConfigError naming each bad
    key otherwise); `name`, when given, must be the scorecard's own."""
    config = parse_content(content, name or "scorecard")
    if name is not None and config.name != name:
        raise ConfigError.at("name", f"the scorecard is called {config.name!r}, not {name!r}",
                             location=name)
    return config


def add_version(session: Session, content: str, name: str | None = None) -> ScorecardVersion:
    """Keep `content` as the next version of its scorecard (the same text is the same
    version). `name`, when given, must be the scorecard's own."""
    config = check_version(content, name)
    sha = hashlib.sha256(content.encode("utf-8")).hexdigest()
    existing = session.scalar(select(ScorecardVersion).where(
        ScorecardVersion.scorecard_name == config.name, ScorecardVersion.sha256 == sha))
    if existing is not None:
        return existing
    if session.get(Scorecard, config.name) is None:
        session.add(Scorecard(name=config.name))
        session.flush()
    latest = session.scalar(select(func.max(ScorecardVersion.version)).where(
        ScorecardVersion.scorecard_name == config.name)) or 0
    version = ScorecardVersion(scorecard_name=config.name, version=latest + 1, content=content,
                               sha256=sha)
    session.add(version)
    session.flush()
    return version


def register_bundled(session: Session, directory: Path) -> None:
    """Register every scorecard file of `directory` (a new version when its text changed)."""
    for path in sorted(directory.glob("*.yaml")):
        content = path.read_text(encoding="utf-8")
        try:
            with session.begin_nested():
                add_version(session, content)
        except IntegrityError:
            pass  # another process registered the same version at the same moment


def find_version(session: Session, name: str, version: int | None = None) -> ScorecardVersion:
    """Version `version` of scorecard `name`, else its latest; ConfigError when unknown."""
    query = select(ScorecardVersion).where(ScorecardVersion.scorecard_name == name)
    query = (query.where(ScorecardVersion.version == version) if version is not None
             else query.order_by(ScorecardVersion.version.desc()).limit(1))
    found = session.scalar(query)
    if found is None:
        what = f"scorecard {name!r}" + (f" version {version}" if version is not None else "")
        raise UnknownScorecard(f"{what} not found", location="scorecard")
    return found


class UnknownScorecard(ConfigError):
    """No such scorecard or version in the store."""
