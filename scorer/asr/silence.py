"""Silencing stretches of a recording: the redacted copy of a call, in which the words that
carried personal data are not heard. Written as FLAC at the recording's own rate and channels
(lossless, so the rest of the call sounds as recorded), decoded and written in blocks so that
an hour-long call never sits in memory whole."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import av
import numpy as np
import soundfile

from scorer.asr.audio import _audio_stream, _check_file, _info, _open
from scorer.errors import ReadError

PADDING_SECONDS = 0.15
"""Word timestamps are approximate (tens of ms): silence a little either side of a word."""


def merge_spans(spans: Sequence[tuple[float, float]],
                padding: float = PADDING_SECONDS) -> list[tuple[float, float]]:
    """The spans widened by `padding`, sorted, overlapping ones merged."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((max(0.0, s - padding), e + padding) for s, e in spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def write_silenced(source: Path, target: Path, spans: Sequence[tuple[float, float]],
                   padding: float = PADDING_SECONDS) -> float:
    """Write `source` to `target` (FLAC) with every span (seconds, all channels) silent;
    returns the seconds silenced. Written atomically: `target` is whole or absent."""
    _check_file(source)
    silent = merge_spans(spans, padding)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".silenced-", suffix=".flac")
    os.close(handle)
    try:
        with _open(source) as container:
            stream = _audio_stream(container, source)
            info = _info(source, container, stream)
            rate, channels = info.sample_rate, info.channels
            resampler = av.AudioResampler(format="fltp", layout=stream.layout.name, rate=rate)
            done = 0
            with soundfile.SoundFile(temporary, "w", samplerate=rate, channels=channels,
                                     format="FLAC", subtype="PCM_16") as out:
                for frame in _frames(container, stream, source):
                    frame.pts = None
                    for block in resampler.resample(frame):
                        done = _write_block(out, block, done, rate, channels, silent)
                for block in resampler.resample(None):
                    done = _write_block(out, block, done, rate, channels, silent)
        if done == 0:
            raise ReadError("no audio could be decoded", location=str(source))
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    end = done / rate
    return sum(min(e, end) - min(s, end) for s, e in silent)


def _frames(container: av.container.InputContainer, stream: av.AudioStream,
            source: Path) -> Iterator[av.AudioFrame]:
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError as exc:
        raise ReadError(f"audio stream cannot be decoded ({exc.strerror or exc})",
                        location=str(source)) from exc


def _write_block(out: soundfile.SoundFile, frame: av.AudioFrame, done: int, rate: int,
                 channels: int, silent: list[tuple[float, float]]) -> int:
    samples = frame.to_ndarray().reshape(channels, -1).T.copy()  # (n, channels)
    first, count = done, samples.shape[0]
    for start, end in silent:
        lo, hi = max(int(start * rate) - first, 0), min(int(end * rate) - first, count)
        if lo < hi:
            samples[lo:hi] = 0.0
    out.write(np.clip(samples, -1.0, 1.0))
    return done + count
