"""Call recordings through the reader registry: transcription, roles and the metadata file."""

from pathlib import Path

import pytest

from scorer.asr import TranscriptionOptions
from scorer.conversation import Channel, Role
from scorer.errors import ReadError
from scorer.readers import ReaderOptions, read_file, read_paths

CALLS = Path(__file__).resolve().parents[3] / "samples" / "calls"
FAST = ReaderOptions(asr=TranscriptionOptions(model="tiny.en"))


def test_stereo_call_with_its_metadata() -> None:
    conversation = read_file(CALLS / "call-0001-stereo.flac", FAST)[0]
    assert conversation.channel is Channel.CALL
    assert (conversation.agent_id, conversation.agent_name) == ("a-sarah", "Sarah")
    assert conversation.start_time is not None and conversation.language == "en"
    roles = [t.role for t in conversation.turns]
    assert roles[0] is Role.AGENT and Role.CUSTOMER in roles
    assert "anything else" in " ".join(t.text for t in conversation.turns if t.role is Role.AGENT)
    assert all(t.start is not None and t.words for t in conversation.turns)


def test_bad_metadata_is_named(tmp_path: Path) -> None:
    call = tmp_path / "call.flac"
    call.write_bytes((CALLS / "call-0002-mono.flac").read_bytes())
    (tmp_path / "call.yaml").write_text("agent: a-1\n")
    with pytest.raises(ReadError, match=r"call metadata call\.yaml: agent: Extra inputs"):
        read_file(call, FAST)


def test_corrupt_recording_fails_and_the_batch_goes_on(tmp_path: Path) -> None:
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage")
    (tmp_path / "chat.txt").write_text("Agent: Hello!\nCustomer: Hi.\n")
    batch = read_paths([tmp_path], FAST)
    assert [c.id for c in batch.conversations] == ["chat"]
    assert len(batch.failures) == 1 and "broken.wav" in (batch.failures[0].location or "")
