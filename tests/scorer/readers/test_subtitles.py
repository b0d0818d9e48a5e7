import pytest

from scorer.conversation import Channel, Role
from scorer.readers import ReaderOptions, read_file
from tests.scorer.readers.readers_paths import FIXTURES


def test_webvtt_voice_spans_and_unlabelled_cue():
    (call,) = read_file(FIXTURES / "call.vtt")
    assert call.channel is Channel.CALL and call.id == "call"
    assert [(t.role, t.speaker) for t in call.turns] == [
        (Role.AGENT, None), (Role.CUSTOMER, "Bob"), (Role.CUSTOMER, "Bob"), (Role.AGENT, "Mark")]
    assert [(t.start, t.end) for t in call.turns] == [
        (1.0, 4.5), (5.0, 7.25), (7.5, 9.0), (10.0, 12.0)]
    assert call.turns[1].text == "I have a problem & I am upset!"  # tags and entities undone


@pytest.mark.parametrize("name", ["call.srt", "call_as_text.txt"])
def test_srt_label_prefixes(name):
    (call,) = read_file(FIXTURES / name)
    assert [(t.role, t.speaker) for t in call.turns] == [
        (Role.AGENT, None), (Role.CUSTOMER, None), (Role.AGENT, "Priya")]
    assert call.turns[0].text == "Good afternoon, Harbor Telecom, you're speaking with Priya."
    assert (call.turns[1].start, call.turns[1].end) == (3.5, 6.0)


def test_forced_format_skips_detection():
    (call,) = read_file(FIXTURES / "call_as_text.txt", ReaderOptions(format="srt"))
    assert len(call.turns) == 3
