"""The real corpus turns of the redaction evaluation and their hand labels
(benchmarks/data/redaction/labels.jsonl, rules in GUIDE.md beside it).

A turn is named by corpus, dialogue id and turn index; its text is read from the shared
corpora as the project's readers read it, and the label line keeps a sha1 of that text and
every span's own text, so a changed corpus or a shifted offset is caught (`check_labels`).

Corpora ("corpus" in a label line):
- `abcd`: abcd_sample/abcd_sample.json, dialogue = convo_id, turn = index into `original`
  (agent, customer and action turns; actions are system turns);
- `harper_valley`, `harper_valley_asr`: harper_valley_sample/<sid>.compact.json, dialogue = sid,
  turn = the segment's `i`; the `human` and the `asr` text of the same segment;
- `stc3`: stc3_dch1/train_data_en.json, dialogue = id, turn = index into `turns`, text = the
  non-empty utterances joined by newlines (corpora.loaders.stc3).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "benchmarks" / "data" / "redaction" / "labels.jsonl"
# Held out from the tuning of scorer.redaction (GUIDE.md, "Held-out set"): other STC-3 dialogues.
LABELS_HELDOUT = REPO / "benchmarks" / "data" / "redaction" / "labels_heldout.jsonl"
LABEL_SETS = {"dev": LABELS, "heldout": LABELS_HELDOUT}
PII_KINDS = ("CARD", "PHONE", "EMAIL", "IBAN", "ACCOUNT", "NATIONAL_ID", "NAME", "ADDRESS")
# Labelled so that needless redactions can be told apart, never counted as personal data:
# service numbers, machine ids, the agent's own name, public figures (the span's `note`).
NON_PII = "NON_PII"
LABEL_KINDS = (*PII_KINDS, NON_PII)
CORPORA = ("abcd", "harper_valley", "harper_valley_asr", "stc3")

# STC-3 selection (GUIDE.md, "Selection"): one seeded generator, two draws in this order.
SEED = 20261201
RANDOM_DIALOGUES = 20
DIGIT_DIALOGUES = 45
# A run of 5+ digits, or an '@' between two word characters (an e-mail's shape; a bare '@'
# is a Weibo mention, in 98% of the dialogues).
DIGIT_RULE = re.compile(r"\d{5,}|\w@\w")
# The held-out draw: a new seed, the same two strata, every dialogue of the dev draw excluded.
HELDOUT_SEED = 20261202
HELDOUT_RANDOM_DIALOGUES = 25
HELDOUT_DIGIT_DIALOGUES = 35


def shared_dir(given: str | Path | None = None) -> Path:
    """As corpora.paths.shared_dir: the option, else $IQS_SHARED_DIR, else ../shared."""
    if given is not None:
        return Path(given)
    return Path(os.environ.get("IQS_SHARED_DIR") or REPO.parent / "shared")


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TurnText:
    corpus: str
    dialogue: str
    turn: int
    role: str  # agent | customer | system
    text: str


@dataclass(frozen=True)
class Dialogue:
    corpus: str
    id: str
    turns: tuple[TurnText, ...]
    language: str = "en"
    customer_name: str | None = None
    """From the corpus's metadata (ABCD scenario); None where the corpus has none."""
    start_ms: tuple[int, ...] = ()


@cache
def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def abcd_dialogues(shared: Path) -> list[Dialogue]:
    roles = {"agent": "agent", "customer": "customer", "action": "system"}
    out = []
    for chat in _json(shared / "corpora" / "abcd_sample" / "abcd_sample.json"):
        cid = str(chat["convo_id"])
        name = chat.get("scenario", {}).get("personal", {}).get("customer_name")
        turns = tuple(TurnText("abcd", cid, i, roles[speaker], text)
                      for i, (speaker, text) in enumerate(chat["original"]))
        out.append(Dialogue("abcd", cid, turns, customer_name=name or None))
    return out


def harper_valley_dialogues(shared: Path, field_name: str = "human") -> list[Dialogue]:
    corpus = "harper_valley" if field_name == "human" else "harper_valley_asr"
    roles = {"agent": "agent", "caller": "customer"}
    out = []
    for path in sorted((shared / "corpora" / "harper_valley_sample").glob("*.compact.json")):
        data = _json(path)
        segments = sorted(data["segments"], key=lambda s: s["start_ms"])
        turns = tuple(TurnText(corpus, data["sid"], int(s["i"]), roles[s["role"]],
                               s[field_name]) for s in segments)
        out.append(Dialogue(corpus, data["sid"], turns,
                            start_ms=tuple(int(s["start_ms"]) for s in segments)))
    return out


def _stc3_records(shared: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = _json(shared / "corpora" / "stc3_dch1" /
                                           "train_data_en.json")
    return records


def stc3_text(turn: dict[str, Any]) -> str:
    return "\n".join(u for u in turn["utterances"] if u.strip())


def stc3_dialogue(record: dict[str, Any]) -> Dialogue:
    did = str(record["id"])
    turns = tuple(TurnText("stc3", did, i, "customer" if t["sender"] == "customer" else "agent",
                           stc3_text(t)) for i, t in enumerate(record["turns"]))
    return Dialogue("stc3", did, turns)


def _draw(records: list[dict[str, Any]], seed: int, n_random: int, n_digits: int,
          excluded: set[str]) -> dict[str, str]:
    ids = sorted(str(r["id"]) for r in records if str(r["id"]) not in excluded)
    rng = random.Random(seed)
    chosen = {i: "random" for i in rng.sample(ids, n_random)}
    eligible = sorted(str(r["id"]) for r in records if str(r["id"]) not in chosen and
                      str(r["id"]) not in excluded and
                      any(DIGIT_RULE.search(stc3_text(t)) for t in r["turns"]))
    chosen.update({i: "digits" for i in rng.sample(eligible, n_digits)})
    return chosen


def stc3_selection(shared: Path) -> dict[str, str]:
    """dialogue id -> stratum ("random" | "digits"), by the rule in GUIDE.md."""
    return _draw(_stc3_records(shared), SEED, RANDOM_DIALOGUES, DIGIT_DIALOGUES, set())


def stc3_heldout_selection(shared: Path) -> dict[str, str]:
    """The held-out draw (GUIDE.md, "Held-out set"): ids sorted as strings, the dev draw's
    dialogues removed, then random.Random(HELDOUT_SEED) draws the two strata as above."""
    return _draw(_stc3_records(shared), HELDOUT_SEED, HELDOUT_RANDOM_DIALOGUES,
                 HELDOUT_DIGIT_DIALOGUES, set(stc3_selection(shared)))


def stc3_dialogues(shared: Path, ids: set[str] | None = None) -> list[Dialogue]:
    return [stc3_dialogue(r) for r in _stc3_records(shared) if ids is None or str(r["id"]) in ids]


def all_dialogues(shared: Path) -> dict[tuple[str, str], Dialogue]:
    """Every labelled-corpus dialogue the labels may point at, by (corpus, dialogue id)."""
    dialogues = [*abcd_dialogues(shared), *harper_valley_dialogues(shared, "human"),
                 *harper_valley_dialogues(shared, "asr"),
                 *stc3_dialogues(shared, {*stc3_selection(shared),
                                          *stc3_heldout_selection(shared)})]
    return {(d.corpus, d.id): d for d in dialogues}


@dataclass
class Span:
    start: int
    end: int
    kind: str
    text: str
    note: str = ""


@dataclass
class LabelledTurn:
    corpus: str
    dialogue: str
    turn: int
    stratum: str
    sha1: str
    spans: list[Span] = field(default_factory=list)

    @property
    def group(self) -> str:
        """The reporting group: the corpus, STC-3 split by stratum."""
        return f"stc3_{self.stratum}" if self.corpus == "stc3" else self.corpus


def load_labels(path: Path = LABELS) -> list[LabelledTurn]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        try:
            spans = [Span(int(s["start"]), int(s["end"]), str(s["kind"]), str(s["text"]),
                          str(s.get("note", ""))) for s in record["spans"]]
            out.append(LabelledTurn(str(record["corpus"]), str(record["dialogue"]),
                                    int(record["turn"]), str(record["stratum"]),
                                    str(record["sha1"]), spans))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{number}: bad label line ({exc})") from exc
    return out


def check_labels(labels: list[LabelledTurn],
                 dialogues: dict[tuple[str, str], Dialogue]) -> list[str]:
    """Problems: unknown turns, changed texts, spans that do not hold their text, unknown
    kinds, overlapping spans, duplicate turns. Empty when the labels fit the corpora."""
    problems = []
    seen = set()
    for label in labels:
        ref = f"{label.corpus}/{label.dialogue}/{label.turn}"
        if (label.corpus, label.dialogue, label.turn) in seen:
            problems.append(f"{ref}: labelled twice")
        seen.add((label.corpus, label.dialogue, label.turn))
        dialogue = dialogues.get((label.corpus, label.dialogue))
        turns = {t.turn: t for t in dialogue.turns} if dialogue else {}
        if label.turn not in turns:
            problems.append(f"{ref}: no such turn in the corpus")
            continue
        text = turns[label.turn].text
        if sha1(text) != label.sha1:
            problems.append(f"{ref}: the turn's text changed (sha1)")
            continue
        previous_end = -1
        for span in sorted(label.spans, key=lambda s: s.start):
            if span.kind not in LABEL_KINDS:
                problems.append(f"{ref}: unknown kind {span.kind}")
            if not 0 <= span.start < span.end <= len(text) or \
                    text[span.start:span.end] != span.text:
                problems.append(f"{ref}: span {span.start}-{span.end} does not hold "
                                f"{span.text!r}")
            if span.start < previous_end:
                problems.append(f"{ref}: spans overlap at {span.start}")
            previous_end = span.end
    return problems
