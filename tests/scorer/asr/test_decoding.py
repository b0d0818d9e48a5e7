"""The call decoding settings: batched and sequential decoding read the same words, a stereo
call's channels decoded at once read what they read one after the other, and the language of a
call is detected once, not per channel."""

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
from scorer.asr.transcribe import call_model, load_model, recognize
from scorer.text import tokenize
from tests.scorer.asr.conftest import TINY, Call

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


@pytest.mark.parametrize("name", ["greeting_stereo", "telephone_stereo"])
def test_channels_decoded_at_once_read_what_one_after_the_other_reads(
        calls: dict[str, Call], name: str) -> None:
    parallel = replace(TINY, parallel_channels=True)
    at_once = transcribe_call(calls[name].path, parallel)
    one_by_one = transcribe_call(calls[name].path, TINY)
    assert len(at_once.turns) >= 7
    assert at_once.turns == one_by_one.turns  # the words, their times and probabilities too
    # One decoder per channel, each on one of the two threads; mono calls keep both threads.
    assert call_model(parallel, stereo=True).model.num_workers == 2
    assert call_model(parallel, stereo=False).model.num_workers == 1


@pytest.mark.slow
@pytest.mark.parametrize(("batch_size", "parallel"), [(8, True), (0, True), (0, False)])
def test_the_language_of_a_stereo_call_is_detected_once(
        shared_audio: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int,
        parallel: bool) -> None:
    # the multilingual model, no language
    options = TranscriptionOptions(batch_size=batch_size, parallel_channels=parallel)
    model = call_model(options, stereo=True)
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
