"""Audio file → Conversation: decode in chunks, recognise each channel (or the mono mix), drop
hallucinations, attribute speech to agent and customer, and build timed turns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
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
_CHANNEL_WORKERS = 2  # a stereo call's two channels decode at once (options.parallel_channels)


# One loaded model per process and setting: a worker or server pays the load once, not per call.
@lru_cache(maxsize=4)
def load_model(model: str, compute_type: str, cpu_threads: int, workers: int = 1) -> WhisperModel:
    """`workers` > 1: that many decodes can run at once, from as many Python threads."""
    directory = resolve_model(model)
    try:
        return WhisperModel(str(directory), device="cpu", compute_type=compute_type,
                            cpu_threads=cpu_threads, num_workers=workers)
    except (ValueError, RuntimeError) as exc:
        raise ConfigError(f"cannot load the model ({exc})", location=str(directory)) from exc


def transcribe_call(path: str | Path, options: TranscriptionOptions | None = None,
                    progress: Progress | None = None) -> Conversation:
    """The conversation spoken in the recording at `path` (id: the file name's stem)."""
    path = Path(path)
    options = options or TranscriptionOptions()
    info = probe(path)
    transcripts: list[ChannelTranscript] | None = None
    voiced: list[Voiced] = []
    stereo = False
    model: WhisperModel | None = None
    pool: ThreadPoolExecutor | None = None
    # Detected once, on the first speech heard, then given to every later channel and chunk;
    # the conversation's language is that of the first segment kept.
    language = options.language
    with ThreadPoolExecutor(max_workers=_CHANNEL_WORKERS) as threads:  # started on first use
        for chunk in iter_chunks(path, options.chunk_seconds):
            if transcripts is None:
                stereo = _has_two_parties(chunk)
                count = chunk.samples.shape[0] if stereo else 1
                transcripts = [ChannelTranscript(channel) for channel in range(count)]
                model = call_model(options, stereo)
                pool = threads if stereo and options.parallel_channels else None
            assert model is not None
            channels = chunk.samples if stereo else chunk.samples.mean(axis=0, keepdims=True)
            # Mono voices are told apart by word times, which the sequential decoder gives finer.
            chunk_options = replace(options, language=language,
                                    batch_size=options.batch_size if stereo else 0)
            kept, language = _recognize_channels(model, channels, chunk.start, chunk_options,
                                                  transcripts, pool)
            for transcript, samples, segments in zip(transcripts, channels, kept, strict=True):
                # A segment can bridge a long pause in which the other party speaks: cut it.
                pause = options.turn_gap if stereo else options.mono_split_pause
                pieces = [p for s in segments for p in split_at_pauses(s, pause)]
                transcript.segments += pieces
                if not stereo and pieces:
                    voiced += embed_pieces(samples, chunk.start, pieces)
            if progress is not None:
                progress(chunk.start + chunk.duration, info.declared_duration or 0.0)
    transcripts = transcripts or []
    spoken = options.language or next((t.language for t in transcripts if t.language), None)
    attributed: list[Attributed]
    if stereo:
        attributed = attribute_channels(transcripts, options.channel_roles)
    else:
        attributed = attribute_speakers(voiced, spoken, options.mono_roles,
                                        options.same_speaker_similarity)
    return Conversation(id=path.stem, channel=Channel.CALL, language=spoken, source=str(path),
                        turns=build_turns(attributed, options.turn_gap))


def call_model(options: TranscriptionOptions, stereo: bool) -> WhisperModel:
    """The model a call is decoded with: for a stereo call's channels decoded at once, one
    decoder per channel, each on its share of the threads (a decode gains little from a second
    thread)."""
    if not (stereo and options.parallel_channels):
        return load_model(options.model, options.compute_type, options.cpu_threads)
    threads = max(1, options.cpu_threads // _CHANNEL_WORKERS)
    return load_model(options.model, options.compute_type, threads, _CHANNEL_WORKERS)


def _recognize_channels(model: WhisperModel, channels: np.ndarray, offset: float,
                        options: TranscriptionOptions, transcripts: list[ChannelTranscript],
                        pool: ThreadPoolExecutor | None) -> tuple[
                            list[list[RecognizedSegment]], str | None]:
    """The kept segments of each channel of a chunk, and the call's language (the one given in
    `options`, or the first detected). The channels are decoded one after the other, or with
    `pool` at once while this thread finds the next channel's speech."""
    language = options.language
    results: list[Callable[[], list[RecognizedSegment]]] = []
    for transcript, samples in zip(transcripts, channels, strict=True):
        started = start_recognition(model, samples, offset, replace(options, language=language),
                                    transcript)
        language = language or started.language
        results.append(started.finish if pool is None else pool.submit(started.finish).result)
    return [result() for result in results], language


def _has_two_parties(chunk: AudioChunk) -> bool:
    """Whether the channels carry different parties (not one signal copied, not one silent)."""
    if chunk.samples.shape[0] < 2:
        return False
    left, right = chunk.samples[:2].astype(np.float64)
    power = np.array([left @ left, right @ right])
    if float(power.min()) <= _SILENT_CHANNEL_RATIO * float(power.max()):
        return False
    return float(left @ right) / float(np.sqrt(power.prod())) < _SAME_SIGNAL_CORRELATION


@dataclass(frozen=True, slots=True)
class Recognition:
    """One channel's recognition under way: its speech found and its language known, its
    segments still to decode (`finish`, which may run in another thread)."""

    language: str | None  # detected or given; None where the VAD heard no speech
    finish: Callable[[], list[RecognizedSegment]]


def recognize(model: WhisperModel, samples: np.ndarray, offset: float,
              options: TranscriptionOptions, transcript: ChannelTranscript) -> list[
                  RecognizedSegment]:
    """The segments of one channel of one chunk that pass the guards (rejections and the
    language of the kept segments go into `transcript`)."""
    return start_recognition(model, samples, offset, options, transcript).finish()


def start_recognition(model: WhisperModel, samples: np.ndarray, offset: float,
                      options: TranscriptionOptions,
                      transcript: ChannelTranscript) -> Recognition:
    """`recognize` in two steps: the VAD, the features and the language detection now, the
    decoding (the most of the time) when `finish` is called."""
    limits = options.guards
    # Fallback decoding samples at higher temperatures: seeded, though CTranslate2 seeds each
    # decoding thread's sampler once, when it first samples (benchmarks/CALL_SPEED.md).
    ctranslate2.set_random_seed(0)
    # The batched pipeline cuts the audio at the VAD's pauses; without the VAD it cannot.
    batched = options.batch_size > 0 and options.vad_filter
    decode: Callable[..., tuple[Iterable[Segment], TranscriptionInfo]] = (
        BatchedInferencePipeline(model).transcribe if batched else model.transcribe)
    batching = {"batch_size": options.batch_size} if batched else {}
    with _language_errors():
        segments, info = decode(  # the segments are decoded as they are read
            samples, language=options.language or transcript.language, **batching,
            beam_size=options.beam_size, vad_filter=options.vad_filter,
            word_timestamps=options.word_timestamps, condition_on_previous_text=False,
            compression_ratio_threshold=limits.compression_ratio,
            log_prob_threshold=limits.log_probability,
            no_speech_threshold=limits.no_speech_probability)

    def finish() -> list[RecognizedSegment]:
        with _language_errors():
            recognized = [_converted(s, offset, info.language) for s in segments]
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

    heard = info.duration_after_vad > 0 if options.vad_filter else True
    return Recognition(info.language if heard else None, finish)


@contextmanager
def _language_errors() -> Iterator[None]:
    try:
        yield
    except ValueError as exc:  # e.g. a language code the model does not know
        raise ConfigError(str(exc), location="language") from exc


def _converted(segment: Segment, offset: float, language: str) -> RecognizedSegment:
    """A faster-whisper segment as ours, with times from the start of the recording."""
    words = tuple(RecognizedWord(w.word, w.start + offset, w.end + offset, w.probability)
                  for w in segment.words or ())
    return RecognizedSegment(
        start=segment.start + offset, end=segment.end + offset, text=segment.text.strip(),
        words=words, avg_logprob=segment.avg_logprob, no_speech_prob=segment.no_speech_prob,
        language=language)
