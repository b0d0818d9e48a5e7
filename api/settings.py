"""Service settings, read once from the environment (prefix IQS_) and validated there."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scorer.scorecard import CONFIGS_DIR


def default_home() -> Path:
    return Path.home() / ".local" / "share" / "iqs"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IQS_", extra="ignore")

    home: Path = Field(default_factory=default_home,
                       description="the embedded store's folder: database, audio, uploads")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file iqs.db under home")
    broker_url: str | None = Field(
        default=None, description="Celery broker (redis://...); default: embedded worker threads")
    queue: str = Field(default="iqs", pattern=r"^[A-Za-z0-9_.:-]{1,100}$",
                       description="the Celery queue (deployments sharing a Redis keep apart)")
    audio_dir: Path | None = Field(
        default=None, description="where uploads and call audio are kept; default home/files")
    scorecard_dir: Path = CONFIGS_DIR
    default_scorecard: str = "default"
    workers: int = Field(default=1, ge=0, description="embedded worker threads (0: none)")
    max_request_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    max_upload_bytes: int = Field(default=500 * 1024 * 1024, gt=0)
    inline_max_conversations: int = Field(
        default=20, ge=0, description="text batches up to this size are scored in the request")
    job_lease_seconds: float = Field(
        default=60.0, gt=0, description="a running job whose worker has not reported for this "
                                        "long is taken over by another worker")
    asr_model: str = "base"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("IQS_DATABASE_URL must be sqlite:///... or postgresql+psycopg://...")
        return value

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://")):
            raise ValueError("IQS_BROKER_URL must be redis://host:port/db")
        return value or None

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'iqs.db'}"

    @property
    def files_dir(self) -> Path:
        return self.audio_dir or self.home / "files"
