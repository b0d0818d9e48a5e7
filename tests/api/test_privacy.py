"""Personal data at ingestion, through a real server: transcripts are redacted before they are
scored or stored (evidence spans index the stored text), a call's served recording has the
redacted words silenced, uploads are deleted once stored, or kept encrypted and read back with
`iqs originals get`; over-long recordings are refused unheard."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select

from api.store import tables
from scorer.asr.synthetic import Line, synthesize_call
from scorer.conversation import Role
from tests.api.serving import REPO, served

CARD = "4532015112830366"  # a Luhn-valid test number
CHAT = {
    "id": "pii-chat-1", "agent_id": "a-1", "agent_name": "Lena", "channel": "chat",
    "customer_name": "Olga Petrova", "language": "en", "turns": [
        {"role": "agent", "text": "Good morning, my name is Lena, how can I help you?"},
        {"role": "customer", "text": f"Hi, this is Olga Petrova. My card {CARD[:4]} "
                                     f"{CARD[4:8]} {CARD[8:12]} {CARD[12:]} was charged twice."},
        {"role": "agent", "text": "I'm so sorry, Olga. Is your e-mail still "
                                  "olga.petrova@example.com and your phone +1 415 555 2671?"},
        {"role": "customer", "text": "Yes, both are right."},
        {"role": "agent", "text": "The refund is on its way. Is there anything else I can help "
                                  "you with? Have a nice day!"}]}
SECRETS = (CARD, "4532", "Petrova", "olga.petrova@example.com", "555 2671")
SPOKEN_CARD = ("Hello, I want to pay my bill. My card number is four five three two, zero one "
               "five one, one two eight three, zero three six six.")


def _wait(api: httpx.Client, job_id: str, seconds: float = 600) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = api.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish")


def _plain_files(home: Path) -> list[Path]:
    return [p for p in (home / "files").rglob("*") if p.is_file() and not p.name.startswith(".")]


def _evidence_spans_hold(conversation: dict) -> int:
    """Every evidence span quotes the stored (redacted) turn text; the number checked."""
    turns = [t["text"] for t in conversation["turns"]]
    checked = 0
    for criterion in conversation["run"]["criteria"].values():
        for evidence in criterion["evidence"]:
            if evidence.get("turn") is not None and evidence.get("start") is not None:
                assert turns[evidence["turn"]][evidence["start"]:evidence["end"]] \
                    == evidence["text"], evidence
                checked += 1
    return checked


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("iqs-privacy")


@pytest.fixture(scope="module")
def api(home: Path) -> Iterator[httpx.Client]:
    with served(home, IQS_ASR_MODEL="tiny.en") as client:
        yield client


def test_a_chat_is_redacted_before_it_is_scored_and_stored(api: httpx.Client,
                                                           home: Path) -> None:
    response = api.post("/v1/conversations", json=CHAT)
    assert response.status_code == 201, response.text
    [conversation_id] = response.json()["conversation_ids"]
    stored = api.get(f"/v1/conversations/{conversation_id}").json()
    text = json.dumps(stored)
    for secret in SECRETS:
        assert secret not in text
    turns = [t["text"] for t in stored["turns"]]
    assert "[CARD]" in turns[1] and "[NAME]" in turns[1]
    assert "[EMAIL]" in turns[2] and "[PHONE]" in turns[2]
    assert "Lena" in turns[0], "the agent's own name is not personal data to redact"
    assert _evidence_spans_hold(stored) > 0
    # The upload is gone once its conversation is stored: nothing on disk holds the card.
    for path in _plain_files(home):
        assert CARD.encode() not in path.read_bytes(), path


def test_a_call_is_served_with_the_spoken_card_number_silenced(api: httpx.Client,
                                                               home: Path,
                                                               tmp_path: Path) -> None:
    call = tmp_path / "card-call.wav"
    synthesize_call([Line(Role.AGENT, "Thank you for calling Acme Bank, how can I help you?"),
                     Line(Role.CUSTOMER, SPOKEN_CARD),
                     Line(Role.AGENT, "Thank you, the payment is done. Goodbye.")], call)
    with call.open("rb") as handle:
        response = api.post("/v1/conversations", files={"files": ("card-call.wav", handle)})
    assert response.status_code == 202, response.text
    job = _wait(api, response.json()["job"]["id"])
    assert job["state"] == "done" and not job["failures"], job
    [conversation_id] = job["conversation_ids"]
    stored = api.get(f"/v1/conversations/{conversation_id}").json()
    customer = " ".join(t["text"] for t in stored["turns"] if t["role"] == "customer")
    assert "[CARD]" in customer, customer
    assert "0366" not in customer and "three six six" not in customer.lower()
    audio = api.get(f"/v1/conversations/{conversation_id}/audio")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/flac"
    (tmp_path / "served.flac").write_bytes(audio.content)
    served_audio, rate = soundfile.read(tmp_path / "served.flac", always_2d=True)
    original, original_rate = soundfile.read(call, always_2d=True)
    assert rate == original_rate and served_audio.shape == original.shape
    placeholders = [w for t in stored["turns"] for w in t.get("words", [])
                    if w["word"].strip() == "[CARD]"]
    assert placeholders, "the card's words keep their times, as one placeholder"
    for word in placeholders:
        lo, hi = int(word["start"] * rate), int(word["end"] * rate)
        assert np.abs(served_audio[lo:hi]).max() == 0.0
        assert np.abs(original[lo:hi]).max() > 0.05, "the customer spoke there"
    assert not any(p.suffix == ".wav" for p in _plain_files(home)), "the upload is deleted"


def test_over_long_recordings_are_refused_unheard(tmp_path: Path) -> None:
    call = tmp_path / "long.wav"
    synthesize_call([Line(Role.AGENT, "Hello, how can I help you today?")], call)
    with served(tmp_path / "home", IQS_MAX_AUDIO_SECONDS="1") as api, call.open("rb") as handle:
        job = _wait(api, api.post("/v1/conversations",
                                  files={"files": ("long.wav", handle)}).json()["job"]["id"])
    [failure] = job["failures"]
    assert "over the limit of 0.0 min (IQS_MAX_AUDIO_SECONDS)" in failure["message"]


def test_originals_are_kept_encrypted_and_read_back(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    home = tmp_path / "home"
    body = json.dumps(CHAT).encode()
    with served(home, IQS_KEEP_ORIGINALS="true", IQS_ORIGINALS_KEY=key) as api:
        assert api.post("/v1/conversations", content=body,
                        headers={"content-type": "application/json"}).status_code == 201
    kept = _plain_files(home)
    assert [p.suffix for p in kept if p.suffix != ".db"] == [".enc"]
    assert CARD.encode() not in kept[0].read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    out = tmp_path / "original.json"
    env = {"IQS_HOME": str(home), "IQS_ORIGINALS_KEY": key, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "scorer.cli", "originals", "get", sha,
                           "--out", str(out)], cwd=REPO, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == body
    wrong = {**env, "IQS_ORIGINALS_KEY": Fernet.generate_key().decode()}
    refused = subprocess.run([sys.executable, "-m", "scorer.cli", "originals", "get", sha,
                              "--out", str(tmp_path / "x")], cwd=REPO, env=wrong,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "does not decrypt with this key" in refused.stderr
    engine = create_engine(f"sqlite:///{home / 'iqs.db'}")
    with engine.connect() as connection:
        events = connection.execute(select(tables.AuditEvent.outcome).where(
            tables.AuditEvent.action == "cli originals get",
            tables.AuditEvent.object_id == sha).order_by(tables.AuditEvent.id)).scalars().all()
    engine.dispose()
    assert events == ["allowed", "failed"]


def test_with_redaction_off_uploads_stay_as_sent(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with served(home, IQS_REDACT="false") as api:
        [conversation_id] = api.post("/v1/conversations", json=CHAT).json()["conversation_ids"]
        turns = api.get(f"/v1/conversations/{conversation_id}").json()["turns"]
    assert CARD[:4] in turns[1]["text"]
    assert any(CARD[:4].encode() in p.read_bytes() for p in _plain_files(home)
               if p.suffix == ".json")
