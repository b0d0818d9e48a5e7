"""Hallucination guards: Whisper writes text for silence, hold music and tones ("Thank you.",
"[Music]", a phrase repeated in a loop). A segment is dropped when its text has no words, when
Whisper itself thinks there is no speech, when the text is repetitive, when its words cannot
be placed in time, or when its words are guesses.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter

from scorer.asr.options import GuardThresholds
from scorer.asr.results import RecognizedSegment
from scorer.text import tokenize

# Sound annotations Whisper writes for non-speech: [Music], (applause), ♪ ... ♪, *beep*.
_ANNOTATION = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|[♪♫♬]")


def rejection_reason(segment: RecognizedSegment, limits: GuardThresholds) -> str | None:
    """Why `segment` is not speech, or None if it passes every guard."""
    spoken = tokenize(_ANNOTATION.sub(" ", segment.text))
    if not spoken:
        return "no words (sound annotation or punctuation only)"
    if (segment.no_speech_prob > limits.no_speech_probability
            and segment.avg_logprob < limits.log_probability):
        return (f"no speech (no-speech probability {segment.no_speech_prob:.2f}, "
                f"log-probability {segment.avg_logprob:.2f})")
    # Whisper's own ratio covers its whole 30 s window, where honest repeats add up: judge the
    # segment's text alone.
    ratio = compression_ratio(segment.text)
    if ratio > limits.compression_ratio:
        return f"repetitive text (compression ratio {ratio:.2f})"
    words = [t.norm for t in spoken]
    repeats = _most_repeated_ngram(words, limits.repeated_ngram)
    if repeats > limits.max_ngram_repeats:
        return f"repetition loop (a {limits.repeated_ngram}-word sequence {repeats} times)"
    if segment.no_speech_prob > limits.no_speech_probability and _mistimed(segment, limits):
        return (f"words without plausible timing (no-speech probability "
                f"{segment.no_speech_prob:.2f})")
    if segment.words:
        mean_probability = sum(w.probability for w in segment.words) / len(segment.words)
        if mean_probability < limits.min_word_probability:
            return f"unsure words (mean word probability {mean_probability:.2f})"
    return None


def compression_ratio(text: str) -> float:
    """How much zlib shrinks the text (Whisper's measure of repetitiveness)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _mistimed(segment: RecognizedSegment, limits: GuardThresholds) -> bool:
    """Whether most words last zero time or implausibly long (text not aligned to speech)."""
    odd = sum(1 for w in segment.words
              if w.end - w.start <= 0 or w.end - w.start > limits.max_word_seconds)
    return bool(segment.words) and odd * 2 >= len(segment.words)


def _most_repeated_ngram(words: list[str], n: int) -> int:
    if len(words) < n:
        return 0
    counts = Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    return max(counts.values())
