"""Encoders from model folders on disk: sentence-transformers folders (with modules.json),
whose own pooling is used, and plain transformers folders, mean-pooled over real tokens.
Both load with `local_files_only`, so a missing file is an error rather than a download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from models.encoders.base import BatchEncoder, fingerprint
from scorer.errors import ConfigError

_MAX_TOKENS = 512


def _quiet_transformers() -> None:
    """No progress bars on stderr when loading weights: the CLI's output is for results."""
    from transformers.utils import logging

    logging.disable_progress_bar()


def model_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]


def _model_id(kind: str, name: str, folder: Path, prefix: str) -> str:
    model_id = f"{kind}/{name}/{fingerprint(model_files(folder))}"
    return f"{model_id}/prefix={prefix}" if prefix else model_id


class SentenceTransformerEncoder(BatchEncoder):
    """The model's own pooling; `bfloat16` runs it in that precision (several times faster
    where the CPU computes bfloat16 natively) and names the float32 vectors it reproduces as
    its `reference_id` (the caller vouches for the closeness: tested for MiniLM)."""

    def __init__(self, folder: Path, name: str | None = None, prefix: str = "",
                 bfloat16: bool = False) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        _quiet_transformers()
        self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        # Renamed get_embedding_dimension in sentence-transformers 6.
        dimension = (getattr(self._model, "get_embedding_dimension", None)
                     or self._model.get_sentence_embedding_dimension)()
        if dimension is None:
            raise ConfigError("the model does not state its embedding size", str(folder))
        self.dimension = int(dimension)
        self.name = name or folder.name
        self.prefix = prefix
        self.model_id = _model_id("st", self.name, folder, prefix)
        self._reference_id = self.model_id
        self._bfloat16 = bfloat16
        if bfloat16:
            self._model.to(torch.bfloat16)
            self.model_id += "/bf16"

    @property
    def reference_id(self) -> str:
        return self._reference_id

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        # bfloat16 rows are normalised afterwards, in float32 (BatchEncoder): normalised in
        # bfloat16 their norms stray from 1 by about 1e-3.
        vectors = self._model.encode([self.prefix + t for t in texts], batch_size=len(texts),
                                     convert_to_tensor=True, show_progress_bar=False,
                                     normalize_embeddings=not self._bfloat16)
        return np.asarray(vectors.float().numpy(), dtype=np.float32)


class TransformerEncoder(BatchEncoder):
    """Mean of the last hidden states over the attention mask."""

    def __init__(self, folder: Path, name: str | None = None, prefix: str = "") -> None:
        from transformers import AutoModel, AutoTokenizer

        _quiet_transformers()

        try:
            self._tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            self._model = AutoModel.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load a transformers model: {exc}", str(folder)) from exc
        self._model.eval()
        config = self._model.config
        self.dimension = int(config.hidden_size)
        self._max_tokens = min(int(getattr(config, "max_position_embeddings", _MAX_TOKENS)),
                               int(self._tokenizer.model_max_length), _MAX_TOKENS)
        self.name = name or folder.name
        self.prefix = prefix
        self.model_id = _model_id("hf", self.name, folder, prefix)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        import torch

        inputs: Any = self._tokenizer([self.prefix + t for t in texts], padding=True,
                                      truncation=True, max_length=self._max_tokens,
                                      return_tensors="pt")
        with torch.inference_mode():
            hidden = self._model(**inputs).last_hidden_state
        mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
        return pooled.float().numpy()
