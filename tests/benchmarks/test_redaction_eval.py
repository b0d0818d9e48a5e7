"""The redaction evaluation: its hand labels fit the shared corpora, the synthetic sets are what
their generators make, and the script runs on a small subset and prints its tables (the full
run and its numbers are in benchmarks/REDACTION.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest

from benchmarks.redaction_calls import SCRIPTS, spoken
from benchmarks.redaction_data import (
    LABELS_HELDOUT,
    NON_PII,
    PII_KINDS,
    all_dialogues,
    check_labels,
    load_labels,
    sha1,
    shared_dir,
    stc3_heldout_selection,
    stc3_selection,
)
from benchmarks.redaction_metrics import Gold, Pred, Tally
from benchmarks.redaction_seeded import generate, load, luhn_valid

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "benchmarks" / "redaction_eval.py"), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)


def _rows(output: str, first_cell: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in output.splitlines() if line.startswith(f"| {first_cell} |")]


def test_labels_point_at_real_text_and_cover_every_turn_of_their_dialogues() -> None:
    labels = load_labels()
    dialogues = all_dialogues(shared_dir())
    assert check_labels(labels, dialogues) == []
    assert len({(x.corpus, x.dialogue, x.turn) for x in labels if x.corpus != "harper_valley_asr"}
               ) >= 200
    labelled = Counter((x.corpus, x.dialogue) for x in labels)
    for (corpus, dialogue), count in labelled.items():
        assert count == len(dialogues[(corpus, dialogue)].turns), (corpus, dialogue)
    groups = Counter(x.group for x in labels)
    assert groups["abcd"] == 72 and groups["harper_valley"] == 18
    assert groups["stc3_random"] > 0 and groups["stc3_digits"] > 0
    kinds = Counter(s.kind for x in labels for s in x.spans)
    assert set(kinds) <= {*PII_KINDS, NON_PII}
    assert kinds["PHONE"] and kinds["NAME"] and kinds["ACCOUNT"] and kinds["EMAIL"]


def test_heldout_labels_load_point_at_real_text_and_share_no_dialogue_with_dev() -> None:
    shared = shared_dir()
    heldout = load_labels(LABELS_HELDOUT)  # the same loader as the dev labels
    dialogues = all_dialogues(shared)
    assert check_labels(heldout, dialogues) == []  # sha1s, span texts, kinds
    texts = {(t.corpus, t.dialogue, t.turn): t.text for d in dialogues.values() for t in d.turns}
    assert all(sha1(texts[(x.corpus, x.dialogue, x.turn)]) == x.sha1 for x in heldout)
    assert {x.corpus for x in heldout} == {"stc3"} and len(heldout) >= 250
    selection = stc3_heldout_selection(shared)
    assert {x.dialogue: x.stratum for x in heldout} == selection
    assert Counter(selection.values()) == {"random": 25, "digits": 35}
    labelled = Counter(x.dialogue for x in heldout)
    assert all(n == len(dialogues[("stc3", d)].turns) for d, n in labelled.items())
    dev = {x.dialogue for x in load_labels() if x.corpus == "stc3"}
    assert dev == set(stc3_selection(shared)) and not dev & set(selection)
    kinds = Counter(s.kind for x in heldout for s in x.spans)
    assert set(kinds) <= {*PII_KINDS, NON_PII} and kinds["PHONE"] and kinds["ACCOUNT"]
    assert all(s.note for x in heldout for s in x.spans if s.kind == NON_PII)


def test_check_labels_catches_a_changed_text_and_a_shifted_span() -> None:
    labels = [x for x in load_labels() if x.spans][:2]
    dialogues = all_dialogues(shared_dir())
    labels[0].sha1 = "0" * 40
    labels[1].spans[0].start += 1
    problems = check_labels(labels, dialogues)
    assert len(problems) == 2
    assert "changed" in problems[0] and "does not hold" in problems[1]


def test_seeded_file_is_the_generators_output_and_its_numbers_are_valid() -> None:
    items = generate()
    assert load() == items
    assert {i.language for i in items} == {"en", "ar", "fa", "ms", "uz", "mn", "ru"}
    assert all(i.synthetic for i in items)
    for item in items:
        text = item.text[item.start:item.end]
        if item.form in ("card digits", "card groups"):
            assert luhn_valid(text.replace(" ", ""))
        if item.form == "luhn-invalid 16 digits":
            assert not luhn_valid(text.replace(" ", "")) and len(text.replace(" ", "")) == 16


def test_call_scripts_say_valid_numbers() -> None:
    for script in SCRIPTS:
        for said in script.lines:
            if said.kind is None:
                continue
            digits = "".join(str(w) for w in _digits(said.text, script.language))
            if said.kind == "CARD":
                assert luhn_valid(digits), said.text
            else:
                region = "US" if script.language == "en" else "RU"
                assert phonenumbers.is_valid_number(phonenumbers.parse(digits, region))
    assert spoken("4012", "en", (2, 2)) == "four zero, one two"


def _digits(text: str, language: str) -> list[int]:
    from benchmarks.redaction_seeded import DIGIT_WORDS

    words = DIGIT_WORDS[language].split()
    return [words.index(w) for w in text.replace(",", "").split()]


def test_tally_counts_overlaps_kinds_and_exact_spans() -> None:
    tally = Tally()
    gold = [Gold(0, 10, "PHONE"), Gold(20, 30, "NAME"), Gold(40, 50, "ADDRESS")]
    pred = [Pred(0, 8, "PHONE"), Pred(20, 30, "ACCOUNT"), Pred(45, 47, "NAME"),
            Pred(60, 62, "CARD")]
    tally.add_text(gold, pred, PII_KINDS)
    c = tally.counts
    assert (c["PHONE"].tp, c["PHONE"].fp, c["PHONE"].fn) == (1, 0, 0)
    assert (c["NAME"].tp, c["NAME"].fp, c["NAME"].fn) == (0, 1, 1)
    assert (c["ADDRESS"].tp, c["ADDRESS"].fn) == (1, 0)  # any kind over an address
    assert (c["any PII"].tp, c["any PII"].fp, c["any PII"].fn) == (3, 1, 0)
    assert (c["strict exact"].tp, c["strict exact"].fn) == (0, 3)


def test_script_runs_on_a_subset_and_prints_its_tables() -> None:
    pytest.importorskip("scorer.redaction")
    done = _run("--only", "real", "--only", "seeded", "--limit", "12", "--worst", "3")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for heading in ("## (a) Real corpus turns, DEV labels", "### ABCD: 12 turns",
                    "### STC-3 digit stratum: 12 turns", "### Overall",
                    "## (a') Real corpus turns, HELD-OUT labels",
                    "### Held-out STC-3 digit stratum: 12 turns", "### Held-out Overall",
                    "## (b) SYNTHETIC seeded sentences", "### Per language: precision",
                    "### Negatives that must stay"):
        assert heading in out, heading
    for row in _rows(out, "any PII") + _rows(out, "strict exact"):
        gold, predicted, tp, fp, fn = map(int, row[1:6])
        assert tp + fn == gold and fp <= predicted
        assert all(re.fullmatch(r"-|[01]\.\d{3}", cell) for cell in row[6:9])
    [russian] = _rows(out, "ru")  # precision / recall (tp/fp/fn) per kind
    assert all(re.fullmatch(r"(-|[01]\.\d{3}) / (-|[01]\.\d{3}) \(\d+/\d+/\d+\)", cell)
               for cell in russian[1:])
    assert _rows(out, "card digits")  # the per-form recall matrix


def test_labels_option_reports_one_set() -> None:
    pytest.importorskip("scorer.redaction")
    done = _run("--only", "real", "--labels", "heldout", "--limit", "5", "--worst", "2")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "HELD-OUT labels" in done.stdout and "DEV labels" not in done.stdout
    assert "### Held-out STC-3 random stratum: 5 turns" in done.stdout
    assert "### ABCD" not in done.stdout


@pytest.mark.slow
def test_script_runs_one_synthetic_call() -> None:
    pytest.importorskip("scorer.redaction")
    done = _run("--only", "calls", "--limit", "1", timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = _rows(done.stdout, SCRIPTS[0].name)
    assert {r[2] for r in rows if len(r) == 9} == {"CARD", "PHONE"}
    assert all(r[7].endswith("%") for r in rows if len(r) == 9)
