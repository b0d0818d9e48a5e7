"""Evaluation reports as JSON (metrics as top-level keys) or Markdown."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from pydantic import BaseModel, Field


class Metrics(BaseModel):
    n: int
    accuracy: float
    macro_f1: float
    f1_per_class: dict[str, float]
    support: dict[str, int]
    kappa: float | None
    confusion: dict[str, Any]
    """`labels` and `matrix` (rows: true label, columns: predicted)."""
    pearson_r: float | None = None

    @classmethod
    def from_confusion(cls, labels: list[str], matrix: np.ndarray) -> Metrics:
        """Metrics of pooled predictions, from their confusion matrix alone."""
        n = int(matrix.sum())
        true_positive = np.diag(matrix).astype(float)
        predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
        denominator = predicted + actual
        f1 = np.divide(2 * true_positive, denominator, out=np.zeros_like(true_positive),
                       where=denominator > 0)
        expected = float((predicted * actual).sum()) / n**2 if n else 0.0
        observed = float(true_positive.sum()) / n if n else 0.0
        kappa = (observed - expected) / (1 - expected) if expected < 1 else None
        return cls(n=n, accuracy=observed, macro_f1=float(f1.mean()) if len(f1) else 0.0,
                   f1_per_class=dict(zip(labels, map(float, f1), strict=True)),
                   support=dict(zip(labels, map(int, actual), strict=True)), kappa=kappa,
                   confusion={"labels": labels, "matrix": matrix.tolist()})


class SetReport(BaseModel):
    data: str
    protocol: str
    model: str
    metrics: Metrics
    published: list[dict[str, Any]] = Field(default_factory=list)


class Report(BaseModel):
    task: str
    sets: list[SetReport]
    pooled: Metrics

    @classmethod
    def build(cls, task: str, sets: list[SetReport]) -> Report:
        if len(sets) == 1:
            return cls(task=task, sets=sets, pooled=sets[0].metrics)
        labels = list(dict.fromkeys(label for s in sets for label in s.metrics.confusion["labels"]))
        total = np.zeros((len(labels), len(labels)), dtype=int)
        for s in sets:
            own = s.metrics.confusion["labels"]
            index = [labels.index(label) for label in own]
            total[np.ix_(index, index)] += np.asarray(s.metrics.confusion["matrix"], dtype=int)
        return cls(task=task, sets=sets, pooled=Metrics.from_confusion(labels, total))

    def to_json(self) -> str:
        """The pooled metrics (all sets together) as top-level keys, then each set."""
        document: dict[str, Any] = {"task": self.task, **self.pooled.model_dump()}
        document["published"] = [p for s in self.sets for p in s.published]
        document["sets"] = [s.model_dump() for s in self.sets]
        return json.dumps(document, indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        lines = [f"# Evaluation: {self.task}", ""]
        for s in self.sets:
            m = s.metrics
            lines += [f"## {s.data} ({s.protocol})", "", f"Model: {s.model}", "",
                      "| metric | ours | published |", "|---|---|---|"]
            published = {p["metric"]: p for p in s.published}
            lines.append(f"| accuracy | {m.accuracy:.4f} | "
                         + "; ".join(f"{p['value']:.4f} ({p['system']})" for p in s.published
                                     if p["metric"] == "accuracy") + " |")
            lines.append(f"| macro-F1 | {m.macro_f1:.4f} | "
                         f"{_value(published.get('macro_f1'))} |")
            if m.kappa is not None:
                lines.append(f"| Cohen's kappa | {m.kappa:.4f} | |")
            if m.pearson_r is not None:
                lines.append(f"| Pearson r (P(positive) vs human score) | {m.pearson_r:.4f} | "
                             f"{_value(published.get('pearson_r'))} |")
            lines.append(f"| n | {m.n} | |")
            lines += ["", "| class | F1 | support |", "|---|---|---|"]
            lines += [f"| {label} | {f1:.4f} | {m.support.get(label, 0)} |"
                      for label, f1 in m.f1_per_class.items()]
            labels = m.confusion["labels"]
            lines += ["", "Confusion (rows: truth, columns: predicted)", "",
                      "| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
            lines += [f"| {label} | " + " | ".join(str(v) for v in row) + " |"
                      for label, row in zip(labels, m.confusion["matrix"], strict=True)]
            sources = sorted({p["source"] for p in s.published})
            lines += [""] + [f"Published: {source}" for source in sources] + [""]
        return "\n".join(lines)


def _value(published: dict[str, Any] | None) -> str:
    return "" if published is None else f"{published['value']:.4f} ({published['system']})"
