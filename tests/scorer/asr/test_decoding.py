"""The call decoding settings: batched and sequential decoding read the same words, and the
language of a call is detected once, not per channel."""

from __future__ import annotations

from dataclasses import replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pytest
from rapidfuzz.distance import Levenshtein

from scorer.asr import TranscriptionOptions, transcribe_call
from scorer.asr.audio import iter_chunks
from scorer.asr.results import ChannelTranscript, RecognizedSegment
from scorer.asr.transcribe import load_model, recognize
from scorer.text import tokenize
from tests.scorer.asr.conftest import TINY

BATCH = 4
"""The batch size `--batch-size` users pick (benchmarks/CALL_SPEED.md)."""


def _timed_words(segments: list[RecognizedSegment]) -> list[tuple[str, float]]:
    return [(token.norm, word.start) for segment in segments for word in segment.words
            for token in tokenize(word.text)]


@pytest.mark.parametrize(("clip", "channel"), [("jfk.flac", 0), ("stereo_diarization.wav", 0),
                                               ("stereo_diarization.wav", 1),
                                               ("multilingual.mp3", 0)])
def test_batched_and_sequential_decoding_read_the_same_words_at_the_same_times(
        shared_audio: Path, clip: str, channel: int) -> None:
    model = load_model(TINY.model, TINY.compute_type, TINY.cpu_threads)
    (chunk,) = iter_chunks(shared_audio / clip)
    samples = chunk.samples[channel][: 31 * 16_000]  # multilingual.mp3: its English part
    batched, sequential = (
        _timed_words(recognize(model, samples, 0.0, replace(TINY, batch_size=size),
                               ChannelTranscript(channel)))
        for size in (BATCH, 0))
    batched_words, sequential_words = [w for w, _ in batched], [w for w, _ in sequential]
    assert len(sequential_words) >= 5
    assert Levenshtein.distance(batched_words, sequential_words) <= 0.1 * len(sequential_words)
    matcher = SequenceMatcher(a=batched_words, b=sequential_words, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            assert abs(batched[block.a + k][1] - sequential[block.b + k][1]) <= 0.5


@pytest.mark.slow
@pytest.mark.parametrize("batch_size", [8, 0])
def test_the_language_of_a_stereo_call_is_detected_once(
        shared_audio: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int) -> None:
    options = TranscriptionOptions(batch_size=batch_size)  # the multilingual model, no language
    model = load_model(options.model, options.compute_type, options.cpu_threads)
    detections: list[str] = []
    detect = model.detect_language

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = detect(*args, **kwargs)
        detections.append(found[0])
        return found

    monkeypatch.setattr(model, "detect_language", counted)
    conversation = transcribe_call(shared_audio / "stereo_diarization.wav", options)
    assert detections == ["en"]
    assert conversation.language == "en"
    assert {t.speaker for t in conversation.turns} == {"channel_0", "channel_1"}
