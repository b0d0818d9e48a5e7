"""Paths of the reader test data (imported by the tests beside it)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "readers"
BROKEN = FIXTURES / "broken"
SAMPLES = REPO / "samples" / "chats"
