"""Utterance-level precision and recall of the greeting and farewell criteria.

- SwDA (the shared train split): gold = utterances tagged `fp` (conventional opening) and `fc`
  (conventional closing). SwDA calls are between two peers, so each conversation is scored
  twice, once with each speaker as the "agent"; the predicted utterances are the turns the
  criterion cites as evidence. A second line measures the formula detector alone, on every
  utterance (no opening/closing window).
- Harper Valley and ABCD samples: gold = the hand labels in data/greeting_farewell_gold.yaml.

Usage: python benchmarks/greeting_farewell.py [--limit N] [--no-detector]
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
from scorer.formulas import load_pack
from scorer.matching import FormulaMatcher
from scorer.readers import read_file
from scorer.scorecard import parse_scorecard
from scorer.scoring import Scorer

CRITERIA = {"greeting": "fp", "farewell": "fc"}
GOLD = Path(__file__).parent / "data" / "greeting_farewell_gold.yaml"


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
        return (f"{name:<44} P={precision:.3f} R={recall:.3f} F1={f1:.3f} "
                f"(tp={self.tp} fp={self.fp} fn={self.fn})")


def _scorer() -> Scorer:
    card = parse_scorecard({"name": "greeting-farewell", "criteria": {
        "greeting": {"weight": 1}, "farewell": {"weight": 1}}}, "benchmark")
    return Scorer(card, language="en")


def _evidence_turns(scorer: Scorer, conversation: Conversation) -> dict[str, set[int]]:
    result = scorer.score(conversation)
    return {name: {e.turn for e in result.criteria[name].evidence if e.turn is not None}
            for name in CRITERIA}


def evaluate_swda(limit: int | None, detector: bool) -> None:
    scorer = _scorer()
    matcher = FormulaMatcher.for_pack(load_pack("en"))
    criterion = {name: Tally() for name in CRITERIA}
    detected = {name: Tally() for name in CRITERIA}
    grouped = list(conversations(load_swda()).items())[:limit]
    started = time.perf_counter()
    for conversation_id, utterances in grouped:
        tags = [u.tag for u in utterances]
        texts = [u.text for u in utterances]
        predicted: dict[str, set[int]] = {name: set() for name in CRITERIA}
        for agent in sorted({u.speaker for u in utterances}):
            conversation = Conversation.model_validate({
                "id": conversation_id, "language": "en", "turns": [
                    {"role": "agent" if u.speaker == agent else "customer", "text": u.text,
                     "language": "en"} for u in utterances]})
            for name, turns in _evidence_turns(scorer, conversation).items():
                predicted[name] |= turns
        for name, tag in CRITERIA.items():
            gold = {i for i, t in enumerate(tags) if t == tag}
            criterion[name].add(predicted[name], gold, tags, texts)
            if detector:
                hits = {i for i, text in enumerate(texts) if matcher.find(text, name)}
                detected[name].add(hits, gold, tags, texts)
    elapsed = time.perf_counter() - started
    print(f"SwDA train split: {len(grouped)} conversations, "
          f"{sum(len(u) for _, u in grouped)} utterances ({elapsed:.0f} s)")
    for name, tag in CRITERIA.items():
        print(criterion[name].line(f"  {name} criterion vs {tag}"))
        if detector:
            print(detected[name].line(f"  {name} formulas, every utterance, vs {tag}"))
        wrong = criterion[name].false_positive_tags.most_common(6)
        print(f"    false positives by gold tag: {wrong}")
        print(f"    most missed: {criterion[name].missed.most_common(8)}")


def evaluate_samples() -> None:
    scorer = _scorer()
    labels = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    tallies = {name: Tally() for name in CRITERIA}
    for relative, by_id in labels.items():
        for conversation in read_file(corpus_dir(relative.split("/")[0]).parent / relative):
            gold = by_id[conversation.id]
            texts = [t.text for t in conversation.turns]
            tags = [t.role.value for t in conversation.turns]
            for name, turns in _evidence_turns(scorer, conversation).items():
                tallies[name].add(turns, set(gold[name]), tags, texts)
    print("Harper Valley (1 call) + ABCD (3 chats) samples, hand labels:")
    for name in CRITERIA:
        print(tallies[name].line(f"  {name} criterion"))
        if tallies[name].missed:
            print(f"    missed: {list(tallies[name].missed)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="SwDA conversations to use")
    parser.add_argument("--no-detector", action="store_true",
                        help="skip the every-utterance formula detector")
    args = parser.parse_args()
    evaluate_samples()
    evaluate_swda(args.limit, detector=not args.no_detector)


if __name__ == "__main__":
    main()
