"""Fixtures shared by the training tests."""

import pytest

from corpora.paths import corpus_dir


@pytest.fixture
def stanford_slice(tmp_path):
    """The header and first 120 requests of the shared Wikipedia file (60 of them in
    the quartiles)."""
    source = corpus_dir("stanford_politeness") / "wikipedia.annotated.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "slice.annotated.csv"
    path.write_text("".join(lines[:121]), encoding="utf-8")
    return path
