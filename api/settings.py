"""API settings, read once from the environment (prefix IQS_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from scorer.scorecard import CONFIGS_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IQS_", extra="ignore")

    scorecard_dir: Path = CONFIGS_DIR
    default_scorecard: str = "default"
    max_request_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
