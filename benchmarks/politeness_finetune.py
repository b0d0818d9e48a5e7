"""Politeness with MiniLM fine-tuned end to end (`FineTunedClassifier`), under the paper's
protocol: 10-fold cross-validation on one Stanford domain, top vs bottom quartile. Slow on a
CPU (about 3 CPU-minutes per epoch per fold on Wikipedia); a GPU makes it minutes.

    python benchmarks/politeness_finetune.py --domain wikipedia [--epochs 2] [--folds 10]
"""

from __future__ import annotations

import argparse
import json
import time

from models.heads.finetuned import FineTunedClassifier
from training.evaluate import cross_validated
from training.tasks import get_task
from training.tasks.politeness import PUBLISHED, stanford_sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domain", choices=("wikipedia", "stack-exchange"), default="wikipedia")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()

    task = get_task("politeness")
    [data] = [s for s in stanford_sets() if s.name.endswith("/" + args.domain)]
    template = FineTunedClassifier(base_model="minilm", epochs=args.epochs,
                                   max_length=args.max_length, device=args.device)
    start = time.perf_counter()
    metrics = cross_validated(task, template, data, args.folds)
    elapsed = time.perf_counter() - start
    published = [{"metric": p.metric, "value": p.value, "system": p.system}
                 for p in PUBLISHED[args.domain]]
    print(json.dumps({"data": data.name, "protocol": f"{args.folds}-fold CV",
                      "model": f"MiniLM fine-tuned, {args.epochs} epochs, max_length "
                               f"{args.max_length}",
                      "n": metrics.n, "accuracy": round(metrics.accuracy, 4),
                      "macro_f1": round(metrics.macro_f1, 4), "kappa": metrics.kappa,
                      "pearson_r": metrics.pearson_r, "seconds": round(elapsed),
                      "published": published}, indent=2))


if __name__ == "__main__":
    main()
