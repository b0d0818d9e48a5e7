"""The `iqs` command as a user runs it: a real process on the bundled samples and broken files."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scorer.readers.readers_paths import harper_valley_layout
from tests.scorer.test_unsupported_language import GERMAN

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples" / "chats"


def iqs(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scorer.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def sample_json() -> dict:
    result = iqs("score", str(SAMPLES), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_output_has_the_documented_shape(sample_json: dict) -> None:
    conversations = sample_json["conversations"]
    assert len(conversations) >= 8
    for conversation in conversations:
        assert {"id", "agent_id", "language", "score", "critical_failures",
                "criteria"} <= set(conversation)
        for result in conversation["criteria"].values():
            assert {"score", "passed", "applicable", "confidence", "evidence"} <= set(result)
            for evidence in result["evidence"]:
                assert {"turn", "start", "end", "text", "formula"} <= set(evidence)
    for agent in sample_json["agents"]:
        assert {"agent_id", "n", "mean", "ci_low", "ci_high", "pass_rates"} <= set(agent)


def test_samples_that_break_the_standard_are_caught(sample_json: dict) -> None:
    by_id = {c["id"]: c for c in sample_json["conversations"]}
    # web-1002: no greeting, rude, jargon; web-1001 follows the standard.
    assert set(by_id["web-1002"]["critical_failures"]) == {"greeting", "politeness"}
    jargon = {e["text"] for e in by_id["web-1002"]["criteria"]["jargon"]["evidence"]}
    assert {"SKU", "OMS"} <= jargon
    assert by_id["web-1001"]["score"] > 95 and not by_id["web-1001"]["critical_failures"]
    languages = {c["language"] for c in sample_json["conversations"]}
    assert {"en", "ru", "fa", "ms", "uz"} <= languages


def test_workers_option_gives_the_same_scores(sample_json: dict) -> None:
    # A batch this small stays in one process (scorer/parallel.py's threshold); the batches
    # that go to workers are compared with one process in tests/scorer/test_parallel.py.
    result = iqs("score", str(SAMPLES), "--format", "json", "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == sample_json


def test_table_lists_every_agent() -> None:
    result = iqs("score", str(SAMPLES))
    assert result.returncode == 0, result.stderr
    for agent in ("a-anna", "a-leo", "a-mark", "a-olga"):
        assert agent in result.stdout
    assert "10 conversations scored" in result.stdout


def test_csv_to_file(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = iqs("score", str(SAMPLES / "support_chats.jsonl"), "--format", "csv",
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["web-1001", "web-1002", "web-1003"]
    assert rows[1]["critical_failures"] == "greeting;politeness"
    assert rows[0]["greeting_passed"] == "True"


def test_bad_files_are_listed_and_the_batch_goes_on(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Agent: Hello, my name is Ann, how can I help?\n"
                                       "Customer: Hi.\nAgent: Have a nice day!\n")
    (tmp_path / "broken.jsonl").write_text('{"id": "x", "turns": []}\n{not json\n')
    (tmp_path / "latin1.csv").write_bytes("role,text\nagent,Grüß Gott\n".encode("latin-1"))
    result = iqs("score", str(tmp_path), "--format", "json")
    assert result.returncode == 1
    assert [c["id"] for c in json.loads(result.stdout)["conversations"]] == ["good"]
    assert "broken.jsonl:2" in result.stderr  # the line with the invalid JSON
    assert "latin1.csv" in result.stderr and "--encoding" in result.stderr


def test_a_chat_in_a_language_without_formulas_is_scored(tmp_path: Path) -> None:
    path = tmp_path / "de.json"
    path.write_text(GERMAN.model_dump_json(exclude_none=True), encoding="utf-8")
    result = iqs("score", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    (conversation,) = json.loads(result.stdout)["conversations"]
    assert conversation["language"] == "de" and conversation["score"] == 100.0
    assert conversation["criteria"]["greeting"]["details"]["reason"] == (
        "language 'de' has no formula pack")


def test_harper_valley_corpus_layout_gives_per_agent_numbers(tmp_path: Path) -> None:
    result = iqs("score", str(harper_valley_layout(tmp_path)), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert not result.stderr.strip()  # the metadata files are not reported as unreadable
    report = json.loads(result.stdout)
    assert [a["agent_id"] for a in report["agents"]] == ["46"] and not report["failures"]


@pytest.mark.parametrize(("args", "message"), [
    (["--scorecard", "nope"], "scorecard file not found"),
    (["--language", "de"], "language 'de' is not supported"),
    (["--csv-column", "texte=body"], "unknown CSV field"),
    (["--csv-column", "text"], "expected KEY=VALUE"),
    (["--workers", "0"], "Invalid value for '--workers'"),
])
def test_bad_options_are_explained(args: list[str], message: str) -> None:
    result = iqs("score", str(SAMPLES), *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_scorecards_lists_and_validates(tmp_path: Path) -> None:
    listed = iqs("scorecards")
    assert listed.returncode == 0 and "default" in listed.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ncriteria:\n  greeting:\n    weight: 0\n")
    checked = iqs("scorecards", "--check", str(bad))
    assert checked.returncode == 2
    assert "criteria.greeting.weight" in checked.stderr


def test_calls_scored_end_to_end() -> None:
    """The bundled calls: the agent who greets and closes by the standard, and one who does
    not (a mono recording, so the roles come from separating the two voices)."""
    result = iqs("score", str(REPO / "samples" / "calls"), "--format", "json",
                 "--asr-model", "tiny.en")
    assert result.returncode == 0, result.stderr
    by_id = {c["id"]: c for c in json.loads(result.stdout)["conversations"]}
    good, brusque = by_id["call-0001-stereo"], by_id["call-0002-mono"]
    assert good["criteria"]["greeting"]["passed"] and good["criteria"]["farewell"]["passed"]
    assert "Sarah" in {e["text"].split()[-1] for e in good["criteria"]["greeting"]["evidence"]}
    assert good["criteria"]["response_time"]["applicable"]
    assert "greeting" in brusque["critical_failures"]
    assert brusque["criteria"]["farewell"]["score"] == 0.0


def test_transcribe_writes_webvtt(tmp_path: Path) -> None:
    result = iqs("transcribe", str(REPO / "samples" / "calls" / "call-0002-mono.flac"),
                 "--format", "vtt", "--asr-model", "tiny.en", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    vtt = (tmp_path / "call-0002-mono.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "<v Agent>" in vtt and "<v Customer>" in vtt
