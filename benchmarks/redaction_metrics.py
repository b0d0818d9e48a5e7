"""Counting for the redaction evaluation: gold spans against predicted spans, per kind.

Matching: a gold entity is found when a predicted span of the same kind overlaps it (recall);
a prediction is right when it overlaps a gold entity of its kind (precision). "any PII" ignores
kinds on both sides; "strict" needs the same kind and exactly the same span. ADDRESS is not a
kind the redactor has: its row counts a gold address as found when any prediction overlaps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ANY = "any PII"
STRICT = "strict exact"
ANY_KIND_ONLY = frozenset({"ADDRESS"})


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Pred:
    start: int
    end: int
    kind: str


def overlaps(a: Gold | Pred, b: Gold | Pred) -> bool:
    return a.start < b.end and b.start < a.end


@dataclass
class Count:
    gold: int = 0
    pred: int = 0
    tp: int = 0  # gold entities found
    fn: int = 0  # gold entities missed
    fp: int = 0  # predictions that overlap no gold entity of their kind

    def add(self, other: Count) -> None:
        self.gold += other.gold
        self.pred += other.pred
        self.tp += other.tp
        self.fn += other.fn
        self.fp += other.fp

    @property
    def precision(self) -> float | None:
        return (self.pred - self.fp) / self.pred if self.pred else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Tally:
    """Counts per kind plus the "any PII" and "strict exact" rows."""

    counts: dict[str, Count] = field(default_factory=dict)

    def row(self, name: str) -> Count:
        return self.counts.setdefault(name, Count())

    def add_text(self, gold: Sequence[Gold], pred: Sequence[Pred],
                 kinds: Iterable[str]) -> None:
        """One text's gold and predicted spans; `kinds` are the kinds that get a row."""
        for kind in kinds:
            mine = [g for g in gold if g.kind == kind]
            if kind in ANY_KIND_ONLY:
                found = [g for g in mine if any(overlaps(g, p) for p in pred)]
                row = self.row(kind)
                row.gold += len(mine)
                row.tp += len(found)
                row.fn += len(mine) - len(found)
                continue
            theirs = [p for p in pred if p.kind == kind]
            row = self.row(kind)
            row.gold += len(mine)
            row.pred += len(theirs)
            row.tp += sum(any(overlaps(g, p) for p in theirs) for g in mine)
            row.fn += sum(not any(overlaps(g, p) for p in theirs) for g in mine)
            row.fp += sum(not any(overlaps(g, p) for g in mine) for p in theirs)
        row = self.row(ANY)
        row.gold += len(gold)
        row.pred += len(pred)
        row.tp += sum(any(overlaps(g, p) for p in pred) for g in gold)
        row.fn += sum(not any(overlaps(g, p) for p in pred) for g in gold)
        row.fp += sum(not any(overlaps(g, p) for g in gold) for p in pred)
        exact = {(g.start, g.end, g.kind) for g in gold}
        row = self.row(STRICT)
        row.gold += len(gold)
        row.pred += len(pred)
        hits = sum((p.start, p.end, p.kind) in exact for p in pred)
        row.tp += hits
        row.fn += len(gold) - hits
        row.fp += len(pred) - hits

    def merge(self, other: Tally) -> None:
        for name, count in other.counts.items():
            self.row(name).add(count)


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def kind_table(tally: Tally, kinds: Sequence[str], title: str = "kind") -> list[str]:
    """Markdown rows: every kind with gold or predictions, then "any PII" and "strict"."""
    lines = [f"| {title} | gold | predicted | tp | fp | fn | precision | recall | F1 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in [*kinds, ANY, STRICT]:
        c = tally.counts.get(name)
        if c is None or (not c.gold and not c.pred and name not in (ANY, STRICT)):
            continue
        label = f"{name} (any kind overlaps)" if name in ANY_KIND_ONLY else name
        pred = "-" if name in ANY_KIND_ONLY else str(c.pred)
        fp = "-" if name in ANY_KIND_ONLY else str(c.fp)
        precision = "-" if name in ANY_KIND_ONLY else fmt(c.precision)
        f1 = "-" if name in ANY_KIND_ONLY else fmt(c.f1)
        lines.append(f"| {label} | {c.gold} | {pred} | {c.tp} | {fp} | {c.fn} | "
                     f"{precision} | {fmt(c.recall)} | {f1} |")
    return lines
