"""WebVTT output: valid captions with role voices."""

from __future__ import annotations

import io

import webvtt

from scorer.asr.webvtt import to_webvtt
from scorer.conversation import Channel, Conversation, Role, Turn


def test_turns_become_voiced_cues_that_a_webvtt_parser_reads() -> None:
    conversation = Conversation(id="c1", channel=Channel.CALL, turns=[
        Turn(role=Role.CUSTOMER, text="I pay <more> & more\n\nevery month", start=3725.5,
             end=3728.25),
        Turn(role=Role.AGENT, text="Good morning, how can I help?", start=0.0, end=2.0),
        Turn(role=Role.SYSTEM, text="untimed note"),
    ])
    text = to_webvtt(conversation)
    assert text.startswith("WEBVTT\n")
    assert "<v Agent>Good morning, how can I help?" in text
    assert "01:02:05.500 --> 01:02:08.250" in text
    assert "<v Customer>I pay &lt;more&gt; &amp; more every month" in text
    cues = webvtt.from_buffer(io.StringIO(text)).captions
    assert [(c.start, c.end, c.voice) for c in cues] == [
        ("00:00:00.000", "00:00:02.000", "Agent"),
        ("01:02:05.500", "01:02:08.250", "Customer"),
    ]
    assert "untimed" not in text
