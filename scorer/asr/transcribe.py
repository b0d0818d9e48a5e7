"""Audio file → Conversation: decode in chunks, recognise each channel (or the mono mix), drop
hallucinations, attribute speech to agent and customer, and build timed turns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import ctranslate2
import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.transcribe import Segment, TranscriptionInfo

from scorer.asr.audio import AudioChunk, iter_chunks, probe
from scorer.asr.guards import rejection_reason
from scorer.asr.models import resolve_model
from scorer.asr.mono import Voiced, attribute_speakers, embed_pieces, split_at_pauses
from scorer.asr.options import TranscriptionOptions
from scorer.asr.results import (
    ChannelTranscript,
    RecognizedSegment,
    RecognizedWord,
    Rejection,
)
from scorer.asr.stereo import attribute_channels
from scorer.asr.turns import Attributed, build_turns
from scorer.conversation import Channel, Conversation
from scorer.errors import ConfigError

Progress = Callable[[float, float], None]  # (seconds done, seconds in all)
_SAME_SIGNAL_CORRELATION = 0.9  # channels this correlated carry one mix, not one party each
_SILENT_CHANNEL_RATIO = 1e-3  # a channel this much quieter than the other carries nobody


# One loaded model per process and setting: a worker or server pays the load once, not per call.
@lru_cache(maxsize=4)
def load_model(model: str, compute_type: str, cpu_threads: int) -> WhisperModel:
    directory = resolve_model(model)
    try:
        return WhisperModel(str(directory), device="cpu", compute_type=compute_type,
                            cpu_threads=cpu_threads)
    except (ValueError, RuntimeError) as exc:
        raise ConfigError(f"cannot load the model ({exc})", location=str(directory)) from exc


def transcribe_call(path: str | Path, options: TranscriptionOptions | None = None,
                    progress: Progress | None = None) -> Conversation:
    """The conversation spoken in the recording at `path` (id: the file name's stem)."""
    path = Path(path)
    options = options or TranscriptionOptions()
    info = probe(path)
    model = load_model(options.model, options.compute_type, options.cpu_threads)
    transcripts: list[ChannelTranscript] | None = None
    voiced: list[Voiced] = []
    stereo = False
    # Detected once, on the first speech heard, then given to every later channel and chunk.
    language = options.language
    for chunk in iter_chunks(path, options.chunk_seconds):
        if transcripts is None:
            stereo = _has_two_parties(chunk)
            count = chunk.samples.shape[0] if stereo else 1
            transcripts = [ChannelTranscript(channel) for channel in range(count)]
        channels = chunk.samples if stereo else chunk.samples.mean(axis=0, keepdims=True)
        for transcript, samples in zip(transcripts, channels, strict=True):
            # Mono voices are told apart by word times, which the sequential decoder gives finer.
            batch_size = options.batch_size if stereo else 0
            kept = recognize(model, samples, chunk.start,
                             replace(options, language=language, batch_size=batch_size),
                             transcript)
            language = language or transcript.language
            # A segment can bridge a long pause in which the other party speaks: cut it there.
            pause = options.turn_gap if stereo else options.mono_split_pause
            pieces = [p for s in kept for p in split_at_pauses(s, pause)]
            transcript.segments += pieces
            if not stereo and pieces:
                voiced += embed_pieces(samples, chunk.start, pieces)
        if progress is not None:
            progress(chunk.start + chunk.duration, info.declared_duration or 0.0)
    transcripts = transcripts or []
    attributed: list[Attributed]
    if stereo:
        attributed = attribute_channels(transcripts, options.channel_roles)
    else:
        attributed = attribute_speakers(voiced, language, options.mono_roles,
                                        options.same_speaker_similarity)
    return Conversation(id=path.stem, channel=Channel.CALL, language=language, source=str(path),
                        turns=build_turns(attributed, options.turn_gap))


def _has_two_parties(chunk: AudioChunk) -> bool:
    """Whether the channels carry different parties (not one signal copied, not one silent)."""
    if chunk.samples.shape[0] < 2:
        return False
    left, right = chunk.samples[:2].astype(np.float64)
    power = np.array([left @ left, right @ right])
    if float(power.min()) <= _SILENT_CHANNEL_RATIO * float(power.max()):
        return False
    return float(left @ right) / float(np.sqrt(power.prod())) < _SAME_SIGNAL_CORRELATION


def recognize(model: WhisperModel, samples: np.ndarray, offset: float,
               options: TranscriptionOptions, transcript: ChannelTranscript) -> list[
                   RecognizedSegment]:
    """The segments of one channel of one chunk that pass the guards (rejections and the
    language go into `transcript`)."""
    limits = options.guards
    # Fallback decoding samples at higher temperatures: seed it so a file always reads the same.
    ctranslate2.set_random_seed(0)
    # The batched pipeline cuts the audio at the VAD's pauses; without the VAD it cannot.
    batched = options.batch_size > 0 and options.vad_filter
    decode: Callable[..., tuple[Iterable[Segment], TranscriptionInfo]] = (
        BatchedInferencePipeline(model).transcribe if batched else model.transcribe)
    batching = {"batch_size": options.batch_size} if batched else {}
    try:
        segments, info = decode(
            samples, language=options.language or transcript.language, **batching,
            beam_size=options.beam_size, vad_filter=options.vad_filter,
            word_timestamps=options.word_timestamps, condition_on_previous_text=False,
            compression_ratio_threshold=limits.compression_ratio,
            log_prob_threshold=limits.log_probability,
            no_speech_threshold=limits.no_speech_probability)
        recognized = [_converted(s, offset, info.language) for s in segments]
    except ValueError as exc:  # e.g. a language code the model does not know
        raise ConfigError(str(exc), location="language") from exc
    kept = []
    for segment in recognized:
        reason = rejection_reason(segment, limits)
        if reason is None:
            kept.append(segment)
        else:
            transcript.rejected.append(Rejection(segment, reason))
    if kept and transcript.language is None:
        transcript.language = info.language
    return kept


def _converted(segment: Segment, offset: float, language: str) -> RecognizedSegment:
    """A faster-whisper segment as ours, with times from the start of the recording."""
    words = tuple(RecognizedWord(w.word, w.start + offset, w.end + offset, w.probability)
                  for w in segment.words or ())
    return RecognizedSegment(
        start=segment.start + offset, end=segment.end + offset, text=segment.text.strip(),
        words=words, avg_logprob=segment.avg_logprob, no_speech_prob=segment.no_speech_prob,
        language=language)
