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
from scorer.asr.transcribe import load_model
from scorer.conversation import Conversation
from scorer.text import tokenize
from tests.scorer.asr.conftest import TINY


def _timed_words(conversation: Conversation) -> list[tuple[str, float]]:
    return [(token.norm, word.start) for turn in conversation.turns for word in turn.words
            for token in tokenize(word.word)]


@pytest.mark.parametrize("clip", ["jfk.flac", "stereo_diarization.wav"])
def test_batched_and_sequential_decoding_read_the_same_words_at_the_same_times(
        shared_audio: Path, clip: str) -> None:
    assert TINY.batch_size > 0  # the default decodes batched
    batched = _timed_words(transcribe_call(shared_audio / clip, TINY))
    sequential = _timed_words(transcribe_call(shared_audio / clip, replace(TINY, batch_size=0)))
    batched_words, sequential_words = [w for w, _ in batched], [w for w, _ in sequential]
    assert len(sequential_words) >= 6
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
