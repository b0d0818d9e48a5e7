"""Settings of the speech-to-text stage."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum

from scorer.asr.models import DEFAULT_MODEL
from scorer.conversation import Role


class MonoRoleRule(StrEnum):
    """How the two voices of a mono call get their roles."""

    FORMULAS = "formulas"  # the agent greets / names themself; first speaker if undecided
    FIRST_SPEAKER = "first_speaker"


@dataclass(frozen=True, slots=True)
class GuardThresholds:
    """Limits past which a recognised segment counts as hallucinated (silence, music, tones)."""

    no_speech_probability: float = 0.6  # with a low log-probability: Whisper's own silence rule
    log_probability: float = -1.0
    compression_ratio: float = 2.4  # highly compressible text is repetitive text
    min_word_probability: float = 0.25  # mean over the segment's words
    max_word_seconds: float = 2.5  # longer (or zero-length) words have no real timing
    repeated_ngram: int = 3  # an n-gram of this size ...
    max_ngram_repeats: int = 3  # ... seen more often than this is a loop


@dataclass(frozen=True, slots=True)
class TranscriptionOptions:
    """How a call is transcribed and split into turns."""

    model: str = DEFAULT_MODEL  # "base", "tiny.en" or a CTranslate2 Whisper directory
    compute_type: str = "int8"
    beam_size: int = 1  # beam 5: 10-25 % slower on 2 cores, no clear WER gain (benchmarks)
    # Stereo calls: VAD windows of up to 30 s decoded this many at a time (faster-whisper's
    # batched pipeline); 0: one window after another, with temperature fallback (the sequential
    # decoder). Batched decoding needs the VAD. 4: base 14 % less CPU, tiny.en the same; 8 saves
    # no more and holds 300 MiB more. Mono calls are always decoded sequentially: the batched
    # word times cost their speaker split 0.9 points (benchmarks/CALL_SPEED.md). Off by
    # default: on a spoken card number the batched decoder dropped the last digit and misread
    # the phone number, so the redactor took the card for an account number
    # (tests/scorer/redaction/test_redaction_corpora.py); opt in where that risk is acceptable.
    batch_size: int = 0
    # Stereo calls: both channels decoded at once, each by its own decoder on its share of
    # `cpu_threads` (False: one after the other on all the threads); the words are the same.
    # Off by default: on the loaded 2-core development machine it was not faster (the cores
    # were already busy; benchmarks/CALL_SPEED.md); turn it on where cores are free.
    parallel_channels: bool = False
    cpu_threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    language: str | None = None  # None: detected once per call, on the first speech heard
    vad_filter: bool = True
    word_timestamps: bool = True
    guards: GuardThresholds = field(default_factory=GuardThresholds)
    channel_roles: tuple[Role, ...] = (Role.AGENT, Role.CUSTOMER)  # role of channel 0, 1, ...
    mono_roles: MonoRoleRule = MonoRoleRule.FORMULAS
    mono_split_pause: float = 0.3  # mono speech is cut at pauses this long (s) before clustering
    same_speaker_similarity: float = 0.8  # voices this alike (cosine) are one speaker
    turn_gap: float = 1.5  # same-speaker speech closer than this (s) stays one turn
    chunk_seconds: float = 600.0  # audio decoded and transcribed this much at a time
