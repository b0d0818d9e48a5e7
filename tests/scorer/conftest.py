from pathlib import Path

import pytest

from corpora.paths import corpus_dir
from scorer.errors import ConfigError


@pytest.fixture
def shared_corpus():
    """Path of a shared corpus; skips when the shared data is not mounted."""

    def find(name: str) -> Path:
        try:
            return corpus_dir(name)
        except ConfigError as exc:
            pytest.skip(str(exc))

    return find
