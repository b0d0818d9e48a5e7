"""How the empathy criterion's distress model behaves on customer turns, per threshold.

The distress model is trained on essays about news stories (Buechel et al. 2018), so its
threshold is chosen on customer-service text: the share of customer turns it flags in STC-3
(English translations of Weibo helpdesk dialogues; many customers there do complain, so this
is a flag rate, not a clean false-positive rate), in the bundled sample chats (all calm or
answered with formulas), and the share of the hand-written upset turns of the tests that it
flags (its hit rate). Beside it: what the formulas (pack phrases, English VADER) flag alone.

    python benchmarks/empathy_distress.py [--model NAME] [--stc3-turns 600]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpora.loaders.stc3 import load_stc3
from scorer.conversation import Conversation, Role
from scorer.criteria.models import (
    DEFAULT_MODEL,
    class_probabilities,
    load_criterion_model,
    model_label,
)
from scorer.language import detect_languages
from scorer.readers import read_paths
from scorer.scorecard import parse_scorecard
from scorer.scoring import Scorer
from tests.scorer.criteria.test_empathy_model import NEUTRAL, UPSET

THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
ROOT = Path(__file__).resolve().parent.parent

Turns = list[tuple[str, str]]
"""(language, text) of customer turns."""


def stc3_turns(limit: int, seed: int = 0) -> Turns:
    turns = [("en", t.text) for d in load_stc3("en") for t in d.turns
             if t.sender == "customer" and t.text.strip()]
    random.Random(seed).shuffle(turns)
    return turns[:limit]


def sample_turns() -> Turns:
    batch = read_paths([ROOT / "samples" / "chats"])
    turns = []
    for conversation in batch.conversations:
        detected = detect_languages(conversation)
        turns += [(t.language or detected.language or "en", t.text) for t in detected.turns
                  if t.role is Role.CUSTOMER and t.text.strip()]
    return turns


def formula_flags(turns: Turns) -> list[bool]:
    """Whether the pack's distress phrases or (English) VADER flag each turn alone."""
    card = parse_scorecard({"name": "formulas", "criteria": {
        "empathy": {"weight": 1, "params": {"model": None}}}}, "benchmark")
    flags = []
    for language, text in turns:
        conversation = Conversation.model_validate(
            {"id": "t", "language": language,
             "turns": [{"role": "customer", "text": text}, {"role": "agent", "text": "Ok."}]})
        result = Scorer(card, language=language).score(conversation).criteria["empathy"]
        flags.append(result.applicable)
    return flags


def probabilities(turns: Turns, name: str) -> tuple[np.ndarray, str]:
    values = np.zeros(len(turns))
    label = ""
    for language in sorted({lang for lang, _ in turns}):
        model = load_criterion_model("empathy", name, language)
        label = model_label(model)
        chosen = [i for i, (lang, _) in enumerate(turns) if lang == language]
        values[chosen] = class_probabilities(model, [turns[i][1] for i in chosen],
                                             "distressed")
    return values, label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--stc3-turns", type=int, default=600)
    parser.add_argument("--show", type=float, default=None,
                        help="print the turns flagged at this threshold")
    args = parser.parse_args()
    sets = {"stc3 customer turns (en)": stc3_turns(args.stc3_turns),
            "samples/chats customer turns": sample_turns(),
            "neutral fixtures": list(NEUTRAL), "upset fixtures": list(UPSET)}
    print("| set | n | formulas alone | " + " | ".join(f"model ≥ {t}" for t in THRESHOLDS)
          + " |")
    print("|---|---|---|" + "---|" * len(THRESHOLDS))
    flagged: dict[str, list[tuple[float, str, str]]] = {}
    label = ""
    for name, turns in sets.items():
        p, label = probabilities(turns, args.model)
        formulas = np.asarray(formula_flags(turns))
        cells = [f"{(p >= t).mean():.3f}" for t in THRESHOLDS]
        print(f"| {name} | {len(turns)} | {formulas.mean():.3f} | " + " | ".join(cells) + " |")
        if args.show is not None:
            flagged[name] = [(float(v), lang, text) for v, (lang, text), f
                             in zip(p, turns, formulas, strict=True) if v >= args.show]
    print(f"\nmodel: {label}")
    for name, rows in flagged.items():
        print(f"\n{name}: flagged at ≥ {args.show}")
        for value, language, text in sorted(rows, reverse=True):
            print(f"  {value:.2f} [{language}] {text[:160]!r}")


if __name__ == "__main__":
    main()
