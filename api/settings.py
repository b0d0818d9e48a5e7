"""Service settings, read once from the environment (prefix IQS_) and validated there."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator, model_validator
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
    # Personal data (issue 8): redacted before anything is stored; uploads deleted once read,
    # unless kept encrypted.
    redact: bool = Field(default=True, description="redact personal data at ingestion")
    keep_originals: bool = Field(
        default=False, description="keep uploads, encrypted with originals_key (a scorecard "
                                   "can ask for it too: keep_originals: true)")
    originals_key: SecretStr | None = Field(
        default=None, description="Fernet key (urlsafe base64, 32 bytes) for kept originals; "
                                  "make one with `iqs originals new-key`")
    max_audio_seconds: float = Field(default=4 * 3600, gt=0,
                                     description="longest recording accepted")

    # Access (issue 8, api/security): keys, open mode, rate limits.
    bind_host: str | None = Field(
        default=None, description="the address the server binds (`iqs serve --host` sets it): "
                                  "with no active API key the service is open only on a "
                                  "loopback address; unknown (an app served some other way): "
                                  "never open")
    key_cache_seconds: float = Field(
        default=5.0, ge=0, le=300, description="how long a process trusts what it read of a key: "
                                               "a revoked key stops working within this long")
    rate_limit: str = Field(
        default="600/minute", description='requests per key, moving window ("600/minute", '
                                          '"20/second"); empty: no limit')
    refused_rate_limit: str = Field(
        default="30/minute", description="refused attempts (no key, a bad key) per client "
                                         "address before it is answered 429; empty: no limit")
    rate_limit_storage: str | None = Field(
        default=None, description="where rate-limit counts live (memory://, redis://...); "
                                  "default: the Redis of IQS_BROKER_URL, else memory")

    @field_validator("rate_limit", "refused_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        value = value.strip()
        if value and value.lower() not in ("off", "none"):
            try:
                parse(value)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not a rate: write N/second, N/minute, N/hour "
                                 "or N/day") from exc
            return value
        return ""

    @field_validator("rate_limit_storage")
    @classmethod
    def _rate_storage(cls, value: str | None) -> str | None:
        if value and not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("IQS_RATE_LIMIT_STORAGE must be memory:// or redis://host:port/db")
        return value or None

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

    @field_validator("originals_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                Fernet(value.get_secret_value().encode())
            except ValueError as exc:
                raise ValueError("IQS_ORIGINALS_KEY must be a Fernet key: 32 bytes in urlsafe "
                                 "base64 (`iqs originals new-key` makes one)") from exc
        return value

    @model_validator(mode="after")
    def _key_for_originals(self) -> Settings:
        if self.keep_originals and self.originals_key is None:
            raise ValueError("IQS_KEEP_ORIGINALS needs IQS_ORIGINALS_KEY: originals are kept "
                             "only encrypted")
        return self

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'iqs.db'}"

    @property
    def files_dir(self) -> Path:
        return self.audio_dir or self.home / "files"
