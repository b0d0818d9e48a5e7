"""Precision and recall of personal-data redaction (scorer.redaction) on three sets:

(a) real corpus turns hand-labelled by this project (rules in benchmarks/data/redaction/
    GUIDE.md), in two label sets reported apart: the dev set (labels.jsonl: ABCD, Harper Valley
    human text and, apart, its ASR text, STC-3 random and digit strata; the library's rules were
    tuned after reading its errors) and the held-out set (labels_heldout.jsonl: other STC-3
    dialogues, same strata, never seen by the tuning); each dialogue goes through
    `Redactor().redact` as one conversation (ABCD with the scenario's customer name as
    `customer_name`);
(b) SYNTHETIC seeded sentences in the seven languages (benchmarks/redaction_seeded.py), each
    through `Redactor().find(text, language, role=customer)`;
(c) SYNTHETIC calls (espeak-ng voices, benchmarks/redaction_calls.py) read by the audio reader
    (faster-whisper) and redacted: numbers found in the ASR text, their time silenced.

Matching (benchmarks/redaction_metrics.py): a gold entity is found when a predicted span of the
same kind overlaps it; "any PII" ignores kinds; "strict exact" needs kind and span equal.

Usage: python benchmarks/redaction_eval.py [--only real|seeded|calls] [--limit N]
                                            [--labels dev|heldout|both]
                                            [--shared-dir DIR] [--worst N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.redaction_data import (
    LABEL_SETS,
    NON_PII,
    PII_KINDS,
    REPO,
    Dialogue,
    LabelledTurn,
    all_dialogues,
    check_labels,
    load_labels,
    shared_dir,
)
from benchmarks.redaction_metrics import (
    ANY,
    STRICT,
    Gold,
    Pred,
    Tally,
    fmt,
    kind_table,
    overlaps,
)
from benchmarks.redaction_seeded import LANGUAGES, generate
from scorer.conversation import Channel, Conversation, Role, Turn

GROUPS = {"abcd": "ABCD", "harper_valley": "Harper Valley (human text)",
          "stc3_random": "STC-3 random stratum", "stc3_digits": "STC-3 digit stratum",
          "harper_valley_asr": "Harper Valley (ASR text; not in overall)"}
OVERALL = ("abcd", "harper_valley", "stc3_random", "stc3_digits")
LABEL_TITLES = {
    "dev": ("(a) Real corpus turns, DEV labels (labels.jsonl; the library's rules were tuned "
            "after reading its errors)", ""),
    "heldout": ("(a') Real corpus turns, HELD-OUT labels (labels_heldout.jsonl; never seen by "
                "the tuning)", "Held-out "),
}
ROLES = {"agent": Role.AGENT, "customer": Role.CUSTOMER, "system": Role.SYSTEM}
SEEDED_KINDS = ("CARD", "PHONE", "EMAIL", "IBAN")


def _conversation(dialogue: Dialogue) -> Conversation:
    channel = Channel.CALL if dialogue.corpus.startswith("harper") else Channel.CHAT
    return Conversation(id=f"{dialogue.corpus}-{dialogue.id}", channel=channel,
                        language=dialogue.language, customer_name=dialogue.customer_name,
                        turns=[Turn(role=ROLES[t.role], text=t.text) for t in dialogue.turns])


def run_real(shared: Path, redactor: Any, limit: int | None, worst: int,
             which: str = "dev") -> list[str]:
    labels = load_labels(LABEL_SETS[which])
    heading, prefix = LABEL_TITLES[which]
    dialogues = all_dialogues(shared)
    problems = check_labels(labels, dialogues)
    if problems:
        raise SystemExit("labels do not fit the corpora:\n" + "\n".join(problems))
    if limit:
        kept: dict[str, int] = Counter()
        chosen = []
        for label in labels:
            if kept[label.group] < limit:
                kept[label.group] += 1
                chosen.append(label)
        labels = chosen
    by_dialogue: dict[tuple[str, str], list[LabelledTurn]] = defaultdict(list)
    for label in labels:
        by_dialogue[(label.corpus, label.dialogue)].append(label)
    tallies: dict[str, Tally] = defaultdict(Tally)
    turns: Counter[str] = Counter()
    misses: list[tuple[str, ...]] = []
    wrong: list[tuple[str, ...]] = []
    non_pii: Counter[tuple[str, bool]] = Counter()
    began = time.perf_counter()
    for key, chosen_labels in by_dialogue.items():
        dialogue = dialogues[key]
        redaction = redactor.redact(_conversation(dialogue))
        index_of = {t.turn: i for i, t in enumerate(dialogue.turns)}
        for label in chosen_labels:
            group = label.group
            turns[group] += 1
            ref = f"{label.corpus}/{label.dialogue}/{label.turn}"
            entities = [e for i, e in redaction.entities if i == index_of[label.turn]]
            pred = [Pred(e.start, e.end, e.kind) for e in entities]
            gold = [Gold(s.start, s.end, s.kind) for s in label.spans if s.kind != NON_PII]
            tallies[group].add_text(gold, pred, PII_KINDS)
            for span, g in zip([s for s in label.spans if s.kind != NON_PII], gold, strict=True):
                same = [p for p in pred if overlaps(g, p) and
                        (p.kind == g.kind or g.kind == "ADDRESS")]
                if not same:
                    got = sorted({p.kind for p in pred if overlaps(g, p)}) or ["-"]
                    misses.append((group, ref, g.kind, span.text, ",".join(got)))
            for span in label.spans:
                if span.kind == NON_PII:
                    non_pii[(span.note, any(overlaps(Gold(span.start, span.end, ""), p)
                                            for p in pred))] += 1
            text = dialogue.turns[index_of[label.turn]].text
            for e, p in zip(entities, pred, strict=True):
                if not any(overlaps(g, p) and g.kind == p.kind for g in gold):
                    on = [s.kind if s.kind != NON_PII else f"NON_PII: {s.note}"
                          for s in label.spans if overlaps(Gold(s.start, s.end, ""), p)]
                    wrong.append((group, ref, e.kind, text[e.start:e.end], e.recognizer,
                                  "; ".join(on) or "unlabelled text"))
    seconds = time.perf_counter() - began
    out = [f"## {heading}: {sum(turns.values())} turns, redacted in {seconds:.1f} s", ""]
    present = [g for g in OVERALL if g in tallies]
    overall = Tally()
    for group in [*OVERALL, "harper_valley_asr", "overall"]:
        if group == "overall":
            tally, count = overall, sum(turns[g] for g in present)
            title = prefix + "Overall (" + " + ".join(GROUPS[g] for g in present) + ")"
        elif group in tallies:
            tally, count, title = tallies[group], turns[group], prefix + GROUPS[group]
            if group in OVERALL:
                overall.merge(tally)
        else:
            continue
        out += [f"### {title}: {count} turns", "", *kind_table(tally, PII_KINDS), ""]
    out += [f"### {prefix}Labelled non-personal spans (NON_PII) that were redacted", "",
            "| why not personal | labelled | redacted |", "|---|---|---|"]
    for note in sorted({n for n, _ in non_pii}):
        out.append(f"| {note} | {non_pii[(note, True)] + non_pii[(note, False)]} | "
                   f"{non_pii[(note, True)]} |")
    out += ["", f"### {prefix}False positives per recognizer (where they fell)", "",
            "| recognizer | predicted | false positives | on NON_PII | on another PII kind | "
            "on unlabelled text |", "|---|---|---|---|---|---|"]
    by_recognizer: Counter[tuple[str, str, str]] = Counter(
        (w[4], w[2], "non" if w[5].startswith(NON_PII) else
         "none" if w[5] == "unlabelled text" else "other") for w in wrong)
    for recognizer, kind in sorted({(r, k) for r, k, _ in by_recognizer}):
        n = [by_recognizer[(recognizer, kind, where)] for where in ("non", "other", "none")]
        out.append(f"| {recognizer} | {kind} | {sum(n)} | {n[0]} | {n[1]} | {n[2]} |")
    out += ["", f"### {prefix}Misses ({len(misses)}; first {worst})", "",
            "| group | turn | kind | text | predicted over it |", "|---|---|---|---|---|"]
    out += [f"| {' | '.join(_cell(c) for c in m)} |"
            for m in sorted(misses, key=lambda m: (m[2], m[0]))[:worst]]
    out += ["", f"### {prefix}False positives ({len(wrong)}; first {worst})", "",
            "| group | turn | predicted | text | recognizer | labelled there |",
            "|---|---|---|---|---|---|"]
    out += [f"| {' | '.join(_cell(c) for c in w)} |"
            for w in sorted(wrong, key=lambda w: (w[2], w[0]))[:worst]]
    return [*out, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def run_seeded(redactor: Any, limit: int | None, worst: int) -> list[str]:
    items = generate()
    if limit:
        seen: Counter[str] = Counter()
        chosen = []
        for item in items:
            if seen[item.language] < limit:
                seen[item.language] += 1
                chosen.append(item)
        items = chosen
    per_language: dict[str, Tally] = defaultdict(Tally)
    forms: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    negatives: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    negative_kinds: Counter[tuple[str, str]] = Counter()
    misses, wrong = [], []
    began = time.perf_counter()
    for item in items:
        entities = redactor.find(item.text, item.language, role=Role.CUSTOMER)
        pred = [Pred(e.start, e.end, e.kind) for e in entities]
        span = Gold(item.start, item.end, item.kind or "")
        gold = [span] if item.kind else []
        per_language[item.language].add_text(gold, pred, SEEDED_KINDS)
        hit = [p for p in pred if overlaps(span, p)]
        if item.kind:
            found = any(p.kind == item.kind for p in hit)
            forms[(item.form, item.language)][0] += found
            forms[(item.form, item.language)][1] += 1
            if not found:
                misses.append((item.language, item.form, item.text,
                               ",".join(sorted({p.kind for p in hit})) or "-"))
        else:
            negatives[(item.form, item.language)][0] += bool(hit)
            negatives[(item.form, item.language)][1] += 1
            negative_kinds.update((item.form, p.kind) for p in hit)
        for e, p in zip(entities, pred, strict=True):
            if not (item.kind and p.kind == item.kind and overlaps(span, p)):
                wrong.append((item.language, item.form, e.kind, item.text[e.start:e.end],
                              e.recognizer))
    seconds = time.perf_counter() - began
    out = [f"## (b) SYNTHETIC seeded sentences, seven languages ({len(items)} sentences, "
           f"{seconds:.1f} s)", "", "### Per language: precision / recall (tp/fp/fn)", "",
           f"| language | {' | '.join([*SEEDED_KINDS, ANY, STRICT])} |",
           "|---" * (len(SEEDED_KINDS) + 3) + "|"]
    total = Tally()
    languages = [lang for lang in LANGUAGES if lang in per_language]
    for language in languages:
        total.merge(per_language[language])
        counts = per_language[language].counts
        cells = [f"{fmt(c.precision)} / {fmt(c.recall)} ({c.tp}/{c.fp}/{c.fn})"
                 for c in (counts[k] for k in [*SEEDED_KINDS, ANY, STRICT])]
        out.append(f"| {language} | {' | '.join(cells)} |")
    out += ["", "### All seven languages", "", *kind_table(total, SEEDED_KINDS), ""]
    out += ["### Recall per written form (found as their kind / items)", "",
            f"| form | {' | '.join(languages)} |", "|---" * (len(languages) + 1) + "|"]
    for form in dict.fromkeys(f for f, _ in forms):
        cells = [f"{forms[(form, lang)][0]}/{forms[(form, lang)][1]}"
                 if (form, lang) in forms else "" for lang in languages]
        out.append(f"| {form} | {' | '.join(cells)} |")
    out += ["", "### Negatives that must stay (redacted / items)", "",
            f"| negative | {' | '.join(languages)} | redacted as |",
            "|---" * (len(languages) + 2) + "|"]
    for form in dict.fromkeys(f for f, _ in negatives):
        cells = [f"{negatives[(form, lang)][0]}/{negatives[(form, lang)][1]}"
                 if (form, lang) in negatives else "" for lang in languages]
        kinds = ", ".join(f"{k} {n}" for (f, k), n in sorted(negative_kinds.items())
                          if f == form) or "-"
        out.append(f"| {form} | {' | '.join(cells)} | {kinds} |")
    out += ["", f"### Seeded misses ({len(misses)}; first {worst})", "",
            "| language | form | sentence | predicted over it |", "|---|---|---|---|"]
    out += [f"| {' | '.join(_cell(c) for c in m)} |" for m in misses[:worst]]
    out += ["", f"### Seeded false positives ({len(wrong)}; first {worst})", "",
            "| language | form | predicted | text | recognizer |", "|---|---|---|---|---|"]
    out += [f"| {' | '.join(_cell(c) for c in w)} |" for w in wrong[:worst]]
    return [*out, ""]


def run_synthetic_calls(redactor: Any, limit: int | None) -> list[str]:
    from benchmarks.redaction_calls import run_calls

    try:
        from scorer.asr.silence import PADDING_SECONDS
    except ImportError:  # the silencer's padding, if it has one
        PADDING_SECONDS = 0.0
    began = time.perf_counter()
    results = run_calls(redactor, PADDING_SECONDS, limit)
    out = [f"## (c) SYNTHETIC calls: espeak-ng voices, faster-whisper ASR ({len(results)} "
           f"runs, {time.perf_counter() - began:.0f} s)", "",
           f"Silence coverage: share of the time the customer spoke the number inside "
           f"`Redaction.silence`, as returned and widened by {PADDING_SECONDS} s (the "
           "silencer's padding).", "",
           "| call | ASR | kind | spoken at | ASR text of the customer's turn | found as kind "
           "| kinds found | covered | covered (padded) |", "|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        for r in result["rows"]:
            out.append(f"| {r['call']} | {r['model']} | {r['kind']} | {r['said']} | "
                       f"{_cell(r['asr'])} | {'yes' if r['found_as_kind'] else 'no'} | "
                       f"{','.join(r['found_kinds']) or '-'} | {r['covered']:.0%} | "
                       f"{r['covered_padded']:.0%} |")
    out += ["", "| call | ASR | ASR s | silenced s | silenced away from the numbers s | "
            "entities in agent turns |", "|---|---|---|---|---|---|"]
    for result in results:
        out.append(f"| {result['call']} | {result['model']} | {result['asr_seconds']:.1f} | "
                   f"{result['silenced_s']:.2f} | {result['silenced_elsewhere_s']:.2f} | "
                   f"{_cell(', '.join(result['agent_entities'])) or '-'} |")
    return [*out, ""]


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "scorer/redaction"], cwd=REPO,
                               text=True, capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (scorer/redaction has uncommitted changes)" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("real", "seeded", "calls"), action="append",
                        help="run only this part (repeatable); default all three")
    parser.add_argument("--limit", type=int, default=None,
                        help="real: first N labelled turns per group; seeded: first N "
                             "sentences per language; calls: first N calls, default model")
    parser.add_argument("--labels", choices=("dev", "heldout", "both"), default="both",
                        help="real: which label set (default both, reported apart): dev = "
                             "labels.jsonl (tuned on), heldout = labels_heldout.jsonl")
    parser.add_argument("--shared-dir", default=None,
                        help="shared corpora (default $IQS_SHARED_DIR, else ../shared)")
    parser.add_argument("--worst", type=int, default=25, help="misses and false positives "
                        "listed per part (default 25)")
    args = parser.parse_args(argv)
    parts = args.only or ["real", "seeded", "calls"]
    try:
        from scorer.redaction import Redactor
    except ImportError as exc:
        print(f"scorer.redaction is not importable ({exc}): nothing to evaluate", file=sys.stderr)
        return 2
    redactor = Redactor()
    label_sets = ["dev", "heldout"] if args.labels == "both" else [args.labels]
    print(f"# Redaction evaluation\n\ncommit {_commit()}; parts: {', '.join(parts)}"
          + (f"; labels: {', '.join(label_sets)}" if "real" in parts else "")
          + (f"; --limit {args.limit}" if args.limit else "") + "\n")
    for which in label_sets if "real" in parts else []:
        print("\n".join(run_real(shared_dir(args.shared_dir), redactor, args.limit,
                                 args.worst, which)))
    if "seeded" in parts:
        print("\n".join(run_seeded(redactor, args.limit, args.worst)))
    if "calls" in parts:
        print("\n".join(run_synthetic_calls(redactor, args.limit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
