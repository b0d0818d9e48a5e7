"""Agreement of the machine's verdicts with the hand review in benchmarks/data/reviews/
e2e_reviews.jsonl: per criterion, n, the machine-pass × human-pass confusion and Cohen's kappa
(scorer.agreement), plus the applicability disagreements that kappa leaves out.

    python benchmarks/review_labels_summary.py [FILE] [--flagged-only]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from scorer.agreement import Agreement, Pair, agreement

DEFAULT = Path(__file__).parent / "data" / "reviews" / "e2e_reviews.jsonl"
CRITERIA = ("greeting", "politeness", "jargon", "empathy", "farewell", "response_time")


def load(path: Path, flagged_only: bool) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [row for row in rows if row["flagged"] or not flagged_only]


def pairs_of(rows: list[dict[str, Any]], name: str) -> tuple[list[Pair], Counter[str]]:
    """Pairs where both gave a pass/fail verdict, and a count of the other cases: both
    not applicable, or only one of them found the criterion applicable."""
    pairs: list[Pair] = []
    other: Counter[str] = Counter()
    for row in rows:
        judged = row["criteria"].get(name)
        if judged is None:
            continue
        machine, human = judged["machine"]["passed"], judged["passed"]
        if machine is not None and human is not None:
            pairs.append(Pair(machine=machine, human=human, agreed=judged["agree"]))
        elif machine is None and human is None:
            other["both n/a"] += 1
        elif machine is None:
            other["machine n/a, human judged"] += 1
        else:
            other["human n/a, machine judged"] += 1
    return pairs, other


def row_of(name: str, result: Agreement, other: Counter[str]) -> str:
    c = result.confusion
    kappa = f"{result.kappa.value:.3f}" if result.kappa.value is not None else "undefined"
    accuracy = f"{result.accuracy:.3f}" if result.accuracy is not None else "-"
    applicability = ", ".join(f"{k} {v}" for k, v in sorted(other.items())) or "-"
    return (f"| {name} | {result.n} | {c.machine_passed_human_passed} | "
            f"{c.machine_passed_human_failed} | {c.machine_failed_human_passed} | "
            f"{c.machine_failed_human_failed} | {accuracy} | {kappa} | {applicability} |")


def summary(rows: list[dict[str, Any]]) -> str:
    sources = Counter(row["source"] for row in rows)
    lines = [f"conversations: {len(rows)} ("
             + ", ".join(f"{s} {n}" for s, n in sorted(sources.items())) + ")", "",
             "| criterion | n | M pass H pass | M pass H fail | M fail H pass | M fail H fail "
             "| accuracy | Cohen's kappa | applicability (not in n) |",
             "|---|---|---|---|---|---|---|---|---|"]
    everything: list[Pair] = []
    for name in CRITERIA:
        pairs, other = pairs_of(rows, name)
        everything += pairs
        lines.append(row_of(name, agreement(pairs), other))
    lines.append(row_of("all", agreement(everything), Counter()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--flagged-only", action="store_true",
                        help="only the conversations the flag rules sent for review")
    args = parser.parse_args()
    print(summary(load(args.file, args.flagged_only)))


if __name__ == "__main__":
    main()
