"""Where the shared public corpora and audio live: `$IQS_SHARED_DIR`, else `../shared` beside
the checkout. The data is read in place, never copied into the repository."""

from __future__ import annotations

import os
from pathlib import Path

from scorer.errors import ConfigError

_REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    configured = os.environ.get("IQS_SHARED_DIR")
    path = Path(configured) if configured else _REPO_ROOT.parent / "shared"
    if not path.is_dir():
        raise ConfigError("shared data folder not found; set IQS_SHARED_DIR", location=str(path))
    return path


def corpus_dir(name: str) -> Path:
    """The folder of one shared corpus, e.g. `corpus_dir("swda")`."""
    path = shared_dir() / "corpora" / name
    if not path.is_dir():
        raise ConfigError(f"corpus {name!r} not found", location=str(path))
    return path


def audio_dir() -> Path:
    return shared_dir() / "audio"
