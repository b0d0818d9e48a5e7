"""Decoding call recordings (wav, flac, mp3, ogg/opus, m4a, ... through PyAV/FFmpeg) to 16 kHz
float samples per channel, in chunks so that an hour-long call never sits in memory whole.

Chunks are cut at the quietest moment near the chunk length, so a word is not split in two.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from scorer.errors import ReadError

SAMPLE_RATE = 16_000
_CUT_SEARCH_SECONDS = 30.0  # a chunk may end this much before its nominal length
_CUT_FRAME = SAMPLE_RATE // 10  # quietness is judged on 100 ms frames
_TRUNCATION_TOLERANCE_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class AudioInfo:
    path: Path
    channels: int
    sample_rate: int  # of the file, before resampling
    declared_duration: float | None  # from the header, if it states one


@dataclass(frozen=True, slots=True)
class AudioChunk:
    start: float  # seconds from the start of the recording
    samples: np.ndarray  # float32, shape (channels, n), 16 kHz

    @property
    def duration(self) -> float:
        return self.samples.shape[1] / SAMPLE_RATE


def probe(path: Path) -> AudioInfo:
    """Channel count, rate and stated duration, or a ReadError saying why the file is unusable."""
    _check_file(path)
    with _open(path) as container:
        stream = _audio_stream(container, path)
        return _info(path, container, stream)


def iter_chunks(path: Path, chunk_seconds: float = 600.0) -> Iterator[AudioChunk]:
    """The recording as consecutive chunks of about `chunk_seconds` (the last may be shorter).

    Raises ReadError if nothing decodes, or if the file ends well before its header says.
    """
    _check_file(path)
    chunk_samples = max(int(chunk_seconds * SAMPLE_RATE), 2 * int(_CUT_SEARCH_SECONDS *
                                                                    SAMPLE_RATE))
    decoded = 0
    offset = 0
    pending: list[np.ndarray] = []
    pending_samples = 0
    with _open(path) as container:
        stream = _audio_stream(container, path)
        info = _info(path, container, stream)
        for block in _decode(container, stream, info.channels, path):
            pending.append(block)
            pending_samples += block.shape[1]
            decoded += block.shape[1]
            if pending_samples < chunk_samples:
                continue
            buffered = np.concatenate(pending, axis=1)
            cut = _quiet_cut(buffered, chunk_samples)
            yield AudioChunk(offset / SAMPLE_RATE, buffered[:, :cut])
            offset += cut
            pending, pending_samples = [buffered[:, cut:]], buffered.shape[1] - cut
    if decoded == 0:
        raise ReadError("no audio could be decoded (empty or corrupt audio stream)",
                        location=str(path))
    _check_complete(info, decoded / SAMPLE_RATE)
    if pending_samples:
        yield AudioChunk(offset / SAMPLE_RATE, np.concatenate(pending, axis=1))


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise ReadError("file not found", location=str(path))
    if path.stat().st_size == 0:
        raise ReadError("file is empty", location=str(path))


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise ReadError(f"not a readable audio file ({exc.strerror or exc})",
                        location=str(path)) from exc


def _audio_stream(container: av.container.InputContainer, path: Path) -> av.AudioStream:
    if not container.streams.audio:
        raise ReadError("the file holds no audio stream", location=str(path))
    return container.streams.audio[0]


def _info(path: Path, container: av.container.InputContainer,
          stream: av.AudioStream) -> AudioInfo:
    declared = None
    if container.format.name == "wav":
        # FFmpeg derives a WAV's duration from the file size, which hides truncation.
        declared = _wav_stated_duration(path)
    elif stream.duration is not None and stream.time_base is not None:
        declared = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        declared = container.duration / av.time_base
    channels = stream.codec_context.channels
    if channels < 1 or not stream.codec_context.sample_rate:
        raise ReadError("the audio stream states no channels or sample rate", location=str(path))
    return AudioInfo(path, channels, stream.codec_context.sample_rate, declared)


def _wav_stated_duration(path: Path) -> float | None:
    """Seconds of audio the RIFF header's `data` chunk states, if it states a usable size."""
    with path.open("rb") as wav:
        if wav.read(12)[8:12] != b"WAVE":
            return None
        byte_rate = 0
        while len(header := wav.read(8)) == 8:
            chunk_id, size = header[:4], int.from_bytes(header[4:], "little")
            if chunk_id == b"fmt ":
                body = wav.read(size + size % 2)
                byte_rate = int.from_bytes(body[8:12], "little")
            elif chunk_id == b"data":
                streaming = size in (0, 0xFFFFFFFF)  # size left open by a live recorder
                return None if streaming or not byte_rate else size / byte_rate
            else:
                wav.seek(size + size % 2, 1)
    return None


def _decode(container: av.container.InputContainer, stream: av.AudioStream, channels: int,
            path: Path) -> Iterator[np.ndarray]:
    """(channels, n) float32 blocks at 16 kHz; undecodable frames are skipped."""
    resampler = av.AudioResampler(format="fltp", layout=stream.layout.name, rate=SAMPLE_RATE)
    frames = container.decode(stream)
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            break
        except av.error.InvalidDataError:
            continue  # a damaged packet: skip it, as players do
        except av.error.FFmpegError as exc:
            raise ReadError(f"audio stream cannot be decoded ({exc.strerror or exc})",
                            location=str(path)) from exc
        frame.pts = None  # resampling must not trip over gaps in the timestamps
        for out in resampler.resample(frame):
            yield out.to_ndarray().reshape(channels, -1).astype(np.float32, copy=False)
    for out in resampler.resample(None):
        yield out.to_ndarray().reshape(channels, -1).astype(np.float32, copy=False)


def _quiet_cut(samples: np.ndarray, chunk_samples: int) -> int:
    """Where to cut: mid-way in the quietest 100 ms frame of the stretch before
    `chunk_samples`."""
    search_start = chunk_samples - int(_CUT_SEARCH_SECONDS * SAMPLE_RATE)
    window = samples[:, search_start:chunk_samples]
    frames = window.shape[1] // _CUT_FRAME
    energy = (window[:, :frames * _CUT_FRAME] ** 2).sum(axis=0).reshape(frames, _CUT_FRAME)
    loudness = energy.sum(axis=1)
    quietest = frames - 1 - int(np.argmin(loudness[::-1]))  # the latest: keep chunks long
    return search_start + quietest * _CUT_FRAME + _CUT_FRAME // 2


def _check_complete(info: AudioInfo, decoded_seconds: float) -> None:
    if info.declared_duration is None:
        return
    if decoded_seconds + _TRUNCATION_TOLERANCE_SECONDS < info.declared_duration * 0.98:
        raise ReadError(f"file is truncated: its header states {info.declared_duration:.1f} s "
                        f"of audio but only {decoded_seconds:.1f} s could be decoded",
                        location=str(info.path))
