"""Ingestion over HTTP (`POST /v1/conversations`) against a real server and its SQLite store:
idempotent by content, small text scored at once, larger batches and audio as jobs, and every
bad input refused with the file and the problem named, with nothing half-stored."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from api.store import tables
from tests.api.serving import REPO, served
from tests.scorer.readers.readers_paths import harper_valley_layout

CHATS = REPO / "samples" / "chats"


def _conversation(n: int, language: str | None = None) -> dict:
    conversation = {
        "id": f"chat-{n}", "agent_id": f"a-{n % 3}", "channel": "chat", "turns": [
            {"role": "agent", "text": "Good morning, my name is Lena, how can I help you?"},
            {"role": "customer", "text": f"My order {n} never arrived, I am really upset."},
            {"role": "agent", "text": "I'm so sorry, let me check it right away."},
            {"role": "agent", "text": "Is there anything else I can help you with? Have a "
                                      "nice day!"}]}
    if language:
        conversation["language"] = language
    return conversation


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("iqs-home")


@pytest.fixture(scope="module")
def api(home: Path) -> Iterator[httpx.Client]:
    with served(home, IQS_INLINE_MAX_CONVERSATIONS="20") as client:
        yield client


def _counts(home: Path) -> tuple[int, int]:
    engine = create_engine(f"sqlite:///{home / 'iqs.db'}")
    with engine.connect() as connection:
        counts = (connection.scalar(select(func.count(tables.Conversation.id))) or 0,
                  connection.scalar(select(func.count(tables.ScoreRun.id))) or 0)
    engine.dispose()
    return counts


def _wait(api: httpx.Client, job_id: str, seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        job = api.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


def test_json_is_scored_at_once_and_is_idempotent(api: httpx.Client, home: Path) -> None:
    first = api.post("/v1/conversations", json=_conversation(1))
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["scored"] and body["job"]["state"] == "done" and len(body["conversation_ids"]) == 1
    before = _counts(home)
    again = api.post("/v1/conversations", json=_conversation(1))
    assert again.status_code == 201
    assert again.json()["conversation_ids"] == body["conversation_ids"]
    assert _counts(home) == before  # the same conversation, no second run


def test_a_larger_batch_becomes_a_job(api: httpx.Client, home: Path) -> None:
    conversations, _ = [_conversation(n) for n in range(100, 130)], _counts(home)
    response = api.post("/v1/conversations", json={"conversations": conversations})
    assert response.status_code == 202, response.text
    job = _wait(api, response.json()["job"]["id"])
    assert job["state"] == "done" and job["failures"] == []
    assert len(job["conversation_ids"]) == 30
    assert job["progress_done"] == job["progress_total"] == 1


def test_files_of_every_text_format_are_uploaded(api: httpx.Client, home: Path) -> None:
    names = ["helpdesk_export.csv", "support_chats.jsonl", "call_ru_0107.txt",
             "chat_fa_0311.txt", "chat_uz_0412.txt", "chat_ms_0520.txt"]
    files = [("files", (name, (CHATS / name).read_bytes())) for name in names]
    response = api.post("/v1/conversations", files=files)
    assert response.status_code == 201, response.text
    ids = response.json()["conversation_ids"]
    assert len(ids) == 10 and response.json()["job"]["failures"] == []
    before = _counts(home)
    assert api.post("/v1/conversations", files=files).json()["conversation_ids"] == ids
    assert _counts(home) == before


def test_a_language_outside_the_seven_is_scored_with_what_applies(api: httpx.Client) -> None:
    response = api.post("/v1/conversations", json=_conversation(7, language="de"))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.json", b"", "empty.json: file is empty"),
    ("truncated.json", b'{"id": "x", "turns": [{"role": "agent", "te', "truncated.json:1"),
    ("mislabelled.json", (CHATS / "helpdesk_export.csv").read_bytes(), "mislabelled.json"),
    ("cp1251.txt", "Оператор: Здравствуйте, чем могу помочь?\n".encode("cp1251"),
     "cp1251.txt:1: not valid UTF-8"),
    ("corrupt.wav", b"RIFF\x10\x00\x00\x00WAVEfmt garbage", "corrupt.wav"),
    ("notes.docx", b"PK\x03\x04 not a conversation", "unsupported file type '.docx'"),
])
def test_bad_files_are_named_and_nothing_is_stored(api: httpx.Client, home: Path, name: str,
                                                   content: bytes, message: str) -> None:
    before = _counts(home)
    good = ("files", ("fine.jsonl", json.dumps(_conversation(999)).encode()))
    response = api.post("/v1/conversations", files=[good, ("files", (name, content))])
    if response.status_code == 202:  # audio: read by a job, which reports the file
        job = _wait(api, response.json()["job"]["id"])
        assert message in json.dumps(job["failures"]), job
        assert len(job["failures"]) == 1
    else:
        assert response.status_code == 422, response.text
        assert message in response.json()["message"]
        assert _counts(home) == before


@pytest.mark.parametrize(("body", "status", "message"), [
    (b'{"id": "x", "turns": [', 422, "invalid JSON"),
    (json.dumps({**_conversation(3), "agnet_id": "a-1"}).encode(), 422, "agnet_id: unknown field"),
    (json.dumps({"id": "x", "turns": [{"role": "agent", "text": "hi", "speeker": "A"}]}).encode(),
     422, "turns[0].speeker: unknown field"),
    (json.dumps({"id": "x", "turns": [{"role": "boss", "text": "hi"}]}).encode(), 422, "role"),
    (b"[]", 422, "non-empty list"),
])
def test_bad_json_is_refused_with_the_place_named(api: httpx.Client, home: Path, body: bytes,
                                                  status: int, message: str) -> None:
    before = _counts(home)
    response = api.post("/v1/conversations", content=body,
                        headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert message in response.json()["message"]
    assert _counts(home) == before


def test_unknown_scorecard_and_form_field(api: httpx.Client) -> None:
    unknown = api.post("/v1/conversations", params={"scorecard": "nope"}, json=_conversation(4))
    assert unknown.status_code == 404 and "'nope' not found" in unknown.json()["message"]
    field = api.post("/v1/conversations", data={"agent": "x"},
                     files=[("files", ("a.jsonl", json.dumps(_conversation(5)).encode()))])
    assert field.status_code == 422 and "agent: unknown form field" in field.json()["message"]
    assert api.get("/v1/jobs/" + "0" * 32).status_code == 404


def test_a_two_gigabyte_upload_is_refused_before_it_is_read(api: httpx.Client) -> None:
    address = urlparse(str(api.base_url))
    boundary = "x" * 16
    with socket.create_connection((address.hostname, address.port), timeout=30) as raw:
        raw.sendall(f"POST /v1/conversations HTTP/1.1\r\nHost: {address.hostname}\r\n"
                    f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                    f"Content-Length: {2 * 1024 ** 3}\r\n\r\n--{boundary}\r\n".encode())
        reply = b""
        while b"}" not in reply:
            chunk = raw.recv(4096)
            if not chunk:
                break
            reply += chunk
        reply_text = reply.decode(errors="replace")
    assert reply_text.startswith("HTTP/1.1 413"), reply_text
    assert "exceeds the limit" in reply_text


@pytest.mark.slow
def test_audio_without_speech_is_reported(api: httpx.Client, tmp_path: Path) -> None:
    silence = tmp_path / "silence.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(silence), "trim", "0", "4"],
                   check=True)
    response = api.post("/v1/conversations", params={"asr_model": "tiny.en"},
                        files=[("files", ("silence.wav", silence.read_bytes()))])
    assert response.status_code == 202, response.text
    job = _wait(api, response.json()["job"]["id"])
    assert job["state"] == "done" and job["conversation_ids"] == []
    assert "silence.wav" in job["failures"][0]["file"], job



def test_harper_valley_in_its_own_layout_keeps_its_agents(api: httpx.Client, home: Path,
                                                          tmp_path: Path) -> None:
    data = harper_valley_layout(tmp_path)
    files = [("files", (path.relative_to(data).as_posix(), path.read_bytes()))
             for path in sorted(data.rglob("*.json"))]
    response = api.post("/v1/conversations", files=files)
    assert response.status_code == 201, response.text
    job = response.json()["job"]
    assert job["failures"] == [] and len(job["conversation_ids"]) == 1
    engine = create_engine(f"sqlite:///{home / 'iqs.db'}")
    with engine.connect() as connection:
        agent = connection.scalar(select(tables.Conversation.agent_id).where(
            tables.Conversation.id == job["conversation_ids"][0]))
    engine.dispose()
    assert agent == "46"
