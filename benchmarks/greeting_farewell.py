"""Utterance-level precision and recall of the greeting and farewell criteria, formulas alone
and with the dialog-act model's credits.

- SwDA (the shared train split): gold = utterances tagged `fp` (conventional opening) and `fc`
  (conventional closing). SwDA calls are between two peers, so each conversation is scored
  twice, once with each speaker as the "agent"; the predicted utterances are the turns the
  criterion cites as evidence of an element (formula matches and model credits; the evidence
  that only shows the model's view claims nothing and is not counted). A second line measures
  the formula detector alone, on every utterance (no opening/closing window).
- Harper Valley and ABCD samples: gold = the hand labels in data/greeting_farewell_gold.yaml.

One scoring run with the model crediting at P >= 0 gives every threshold at once: a credit is
decided per element on its own, so the predictions at threshold t are the formula turns plus
the credits with P >= t. "model view alone" counts the window turn the model likes best when
its P reaches t (no formulas at all).

Usage: python benchmarks/greeting_farewell.py [--limit N] [--no-detector] [--model NAME]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from corpora.loaders.swda import conversations, load_swda
from corpora.paths import corpus_dir
from scorer.conversation import Conversation
from scorer.criteria.elements import CREDITED
from scorer.formulas import load_pack
from scorer.matching import FormulaMatcher
from scorer.readers import read_file
from scorer.scorecard import parse_scorecard
from scorer.scoring import Scorer

CRITERIA = {"greeting": "fp", "farewell": "fc"}
GOLD = Path(__file__).parent / "data" / "greeting_farewell_gold.yaml"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positive_tags: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)

    def add(self, predicted: set[int], gold: set[int], tags: list[str], texts: list[str]) -> None:
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)
        self.false_positive_tags.update(tags[i] for i in predicted - gold)
        self.missed.update(texts[i].lower().strip(" .,!?") for i in gold - predicted)

    def line(self, name: str) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return (f"{name:<48} P={precision:.3f} R={recall:.3f} F1={f1:.3f} "
                f"(tp={self.tp} fp={self.fp} fn={self.fn})")


@dataclass
class Predictions:
    """What one criterion claims in one conversation, at any credit threshold."""

    formulas: set[int] = field(default_factory=set)
    credits: list[tuple[int, float]] = field(default_factory=list)
    views: list[tuple[int, float]] = field(default_factory=list)

    def at(self, threshold: float | None) -> set[int]:
        """Formula turns, plus the credits with P >= threshold (None: formulas only)."""
        if threshold is None:
            return set(self.formulas)
        return self.formulas | {turn for turn, p in self.credits if p >= threshold}

    def view_at(self, threshold: float) -> set[int]:
        return {turn for turn, p in self.views if p >= threshold}


class Modes:
    """A tally per criterion for formulas only, each credit threshold and the model alone."""

    def __init__(self) -> None:
        names: list[tuple[str, float | None, bool]] = [("formulas only", None, False)]
        names += [(f"+ model credit P>={t:.1f}", t, False) for t in THRESHOLDS]
        names += [(f"model view alone P>={t:.1f}", t, True) for t in THRESHOLDS]
        self.modes = names
        self.tallies = {(c, label): Tally() for c in CRITERIA for label, _, _ in names}

    def add(self, name: str, predicted: Predictions, gold: set[int], tags: list[str],
            texts: list[str]) -> None:
        for label, threshold, view in self.modes:
            turns = (predicted.view_at(threshold) if view and threshold is not None
                     else predicted.at(threshold))
            self.tallies[name, label].add(turns, gold, tags, texts)

    def print(self, name: str) -> None:
        for label, _, _ in self.modes:
            print(self.tallies[name, label].line(f"  {name} {label}"))


def _scorer(model: str) -> Scorer:
    params = {"model": model, "model_threshold": 0.0}
    card = parse_scorecard({"name": "greeting-farewell", "criteria": {
        "greeting": {"weight": 1, "params": params},
        "farewell": {"weight": 1, "params": params}}}, "benchmark")
    return Scorer(card, language="en")


def _predictions(scorer: Scorer, conversation: Conversation) -> dict[str, Predictions]:
    result = scorer.score(conversation)
    found = {}
    for name in CRITERIA:
        criterion = result.criteria[name]
        predicted = Predictions()
        for e in criterion.evidence:
            if e.turn is None:
                continue
            if e.formula is not None:
                predicted.formulas.add(e.turn)
            elif CREDITED in (e.note or ""):
                predicted.credits.append((e.turn, e.similarity or 0.0))
        if "model_turn" in criterion.details:
            predicted.views.append((criterion.details["model_turn"],
                                    sum(criterion.details["model_p"].values())))
        found[name] = predicted
    return found


def _merge(into: dict[str, Predictions], more: dict[str, Predictions]) -> None:
    for name, predicted in more.items():
        into[name].formulas |= predicted.formulas
        into[name].credits += predicted.credits
        into[name].views += predicted.views


def evaluate_swda(limit: int | None, detector: bool, model: str) -> None:
    scorer = _scorer(model)
    matcher = FormulaMatcher.for_pack(load_pack("en"))
    modes = Modes()
    detected = {name: Tally() for name in CRITERIA}
    grouped = list(conversations(load_swda()).items())[:limit]
    started = time.perf_counter()
    for conversation_id, utterances in grouped:
        tags = [u.tag for u in utterances]
        texts = [u.text for u in utterances]
        predicted = {name: Predictions() for name in CRITERIA}
        for agent in sorted({u.speaker for u in utterances}):
            conversation = Conversation.model_validate({
                "id": conversation_id, "language": "en", "turns": [
                    {"role": "agent" if u.speaker == agent else "customer", "text": u.text,
                     "language": "en"} for u in utterances]})
            _merge(predicted, _predictions(scorer, conversation))
        for name, tag in CRITERIA.items():
            gold = {i for i, t in enumerate(tags) if t == tag}
            modes.add(name, predicted[name], gold, tags, texts)
            if detector:
                hits = {i for i, text in enumerate(texts) if matcher.find(text, name)}
                detected[name].add(hits, gold, tags, texts)
    elapsed = time.perf_counter() - started
    print(f"SwDA train split: {len(grouped)} conversations, "
          f"{sum(len(u) for _, u in grouped)} utterances ({elapsed:.0f} s), model {model}")
    for name, tag in CRITERIA.items():
        print(f" vs {tag}:")
        modes.print(name)
        if detector:
            print(detected[name].line(f"  {name} formulas, every utterance"))
        formulas = modes.tallies[name, "formulas only"]
        print(f"    formulas only, false positives by gold tag: "
              f"{formulas.false_positive_tags.most_common(6)}")
        print(f"    formulas only, most missed: {formulas.missed.most_common(8)}")
        credit = modes.tallies[name, "+ model credit P>=0.5"]
        print(f"    credit P>=0.5, false positives by gold tag: "
              f"{credit.false_positive_tags.most_common(6)}")


def evaluate_samples(model: str) -> None:
    scorer = _scorer(model)
    labels = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    modes = Modes()
    for relative, by_id in labels.items():
        for conversation in read_file(corpus_dir(relative.split("/")[0]).parent / relative):
            gold = by_id[conversation.id]
            texts = [t.text for t in conversation.turns]
            tags = [t.role.value for t in conversation.turns]
            for name, predicted in _predictions(scorer, conversation).items():
                modes.add(name, predicted, set(gold[name]), tags, texts)
    print(f"Harper Valley (1 call) + ABCD (3 chats) samples, hand labels, model {model}:")
    for name in CRITERIA:
        modes.print(name)
        missed = modes.tallies[name, "formulas only"].missed
        if missed:
            print(f"    formulas only, missed: {list(missed)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="SwDA conversations to use")
    parser.add_argument("--no-detector", action="store_true",
                        help="skip the every-utterance formula detector")
    parser.add_argument("--model", default="default",
                        help="dialog-act model: 'default' (the shipped one) or a model name")
    parser.add_argument("--no-swda", action="store_true", help="the gold samples only")
    args = parser.parse_args()
    evaluate_samples(args.model)
    if not args.no_swda:
        evaluate_swda(args.limit, detector=not args.no_detector, model=args.model)


if __name__ == "__main__":
    main()
