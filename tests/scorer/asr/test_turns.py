"""Segments with speakers → turns: time order, merging, overlaps."""

from __future__ import annotations

from scorer.asr.results import RecognizedSegment, RecognizedWord
from scorer.asr.turns import Attributed, build_turns
from scorer.conversation import Role


def _said(speaker: str, start: float, end: float, text: str) -> Attributed:
    words = text.split()
    step = (end - start) / len(words)
    timed = tuple(RecognizedWord(f" {w}", start + i * step, start + (i + 1) * step, 0.9)
                  for i, w in enumerate(words))
    segment = RecognizedSegment(start, end, text, timed, -0.2, 0.01, "en")
    role = Role.AGENT if speaker == "channel_0" else Role.CUSTOMER
    return Attributed(segment, speaker, role)


def test_turns_follow_start_times_and_merge_close_segments_of_one_speaker() -> None:
    turns = build_turns([
        _said("channel_1", 6.0, 8.0, "I lost my card"),
        _said("channel_0", 0.0, 2.0, "Good morning"),
        _said("channel_0", 2.5, 5.0, "how can I help you"),
        _said("channel_0", 12.0, 13.0, "Right"),
    ], turn_gap=1.5)
    assert [(t.role, t.text) for t in turns] == [
        (Role.AGENT, "Good morning how can I help you"),
        (Role.CUSTOMER, "I lost my card"),
        (Role.AGENT, "Right"),
    ]
    assert (turns[0].start, turns[0].end) == (0.0, 5.0)
    assert [w.word for w in turns[0].words] == ["Good", "morning", "how", "can", "I", "help",
                                                "you"]
    assert turns[0].language == "en"


def test_overlapping_speech_keeps_both_turns_with_their_own_times() -> None:
    turns = build_turns([
        _said("channel_0", 0.0, 6.0, "let me explain the fees on your account"),
        _said("channel_1", 3.0, 3.6, "okay"),
        _said("channel_0", 6.2, 8.0, "they went up in March"),
    ], turn_gap=1.5)
    assert [(t.speaker, t.start, t.end) for t in turns] == [
        ("channel_0", 0.0, 6.0), ("channel_1", 3.0, 3.6), ("channel_0", 6.2, 8.0)]


def test_a_long_pause_splits_one_speakers_speech() -> None:
    turns = build_turns([_said("channel_0", 0.0, 1.0, "hello"),
                         _said("channel_0", 4.0, 5.0, "hello again")], turn_gap=1.5)
    assert len(turns) == 2
