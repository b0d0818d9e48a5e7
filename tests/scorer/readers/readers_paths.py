"""Paths of the reader test data (imported by the tests beside it)."""

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "readers"
BROKEN = FIXTURES / "broken"
SAMPLES = REPO / "samples" / "chats"

HARPER_VALLEY_SID = "0002f70f7386445b"
# The corpus's own metadata of that call (tests/fixtures/readers/README.md).
HARPER_VALLEY_METADATA = FIXTURES / "harper_valley_metadata.json"


def harper_valley_layout(root: Path) -> Path:
    """The Harper Valley corpus's `data/` folder under `root`, from the real transcript
    segments and metadata of one call."""
    data = root / "data"
    (data / "transcript").mkdir(parents=True)
    (data / "metadata").mkdir()
    sid = HARPER_VALLEY_SID
    shutil.copy(FIXTURES / "harper_valley_original.json", data / "transcript" / f"{sid}.json")
    shutil.copy(HARPER_VALLEY_METADATA, data / "metadata" / f"{sid}.json")
    return data
