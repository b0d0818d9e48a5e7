"""Hallucination guards: on real model output for non-speech, and on each rule."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scorer.asr.audio import iter_chunks
from scorer.asr.guards import rejection_reason
from scorer.asr.options import GuardThresholds
from scorer.asr.results import ChannelTranscript, RecognizedSegment, RecognizedWord
from scorer.asr.transcribe import load_model, recognize
from tests.scorer.asr.conftest import TINY

LIMITS = GuardThresholds()


def _segment(text: str, probability: float = 0.9, avg_logprob: float = -0.3,
             no_speech_prob: float = 0.05) -> RecognizedSegment:
    words = tuple(RecognizedWord(f" {w}", i * 0.3, i * 0.3 + 0.25, probability)
                  for i, w in enumerate(text.split()))
    return RecognizedSegment(0.0, len(words) * 0.3, text, words, avg_logprob, no_speech_prob)


def test_ordinary_speech_passes() -> None:
    assert rejection_reason(_segment("I lost my debit card yesterday"), LIMITS) is None


@pytest.mark.parametrize(("segment", "reason"), [
    (_segment("[Music]"), "no words"),
    (_segment("♪ ♪"), "no words"),
    (_segment("(upbeat music)"), "no words"),
    (_segment("Thank you.", no_speech_prob=0.9, avg_logprob=-1.2), "no speech"),
    (_segment("na" * 60), "compression ratio"),  # "nanana…": one long non-word
    (_segment("we will call you back, we will call you back tomorrow, we will call you back "
              "soon, we will call you back."), "repetition loop"),
    (_segment("you", probability=0.05), "unsure words"),
    (RecognizedSegment(0.0, 9.5, "Thank you.", (RecognizedWord(" Thank", 0.0, 0.0, 0.2),
                                                 RecognizedWord(" you.", 0.0, 9.5, 0.98)),
                       avg_logprob=-0.88, no_speech_prob=0.82),
     "plausible timing"),
])
def test_each_guard_names_its_reason(segment: RecognizedSegment, reason: str) -> None:
    found = rejection_reason(segment, LIMITS)
    assert found is not None and reason in found


def test_whispers_no_speech_needs_low_confidence_too() -> None:
    # A confident segment with a high no-speech figure is speech (Whisper's own rule).
    assert rejection_reason(_segment("Good morning", no_speech_prob=0.9), LIMITS) is None


@pytest.mark.parametrize("vad_filter", [True, False])
def test_silence_and_tones_yield_no_text_even_without_vad(non_speech: dict[str, Path],
                                                          vad_filter: bool) -> None:
    options = replace(TINY, vad_filter=vad_filter)
    model = load_model(options.model, options.compute_type, options.cpu_threads)
    rejected = 0
    for path in non_speech.values():
        (chunk,) = iter_chunks(path)
        transcript = ChannelTranscript(0)
        assert recognize(model, chunk.samples.mean(axis=0), 0.0, options, transcript) == []
        rejected += len(transcript.rejected)
    if not vad_filter:
        assert rejected > 0  # the model did write something; the guards dropped it
