"""Decoding: the usual call-recording formats, telephone rates, chunks, and unusable files."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile

from scorer.asr.audio import SAMPLE_RATE, iter_chunks, probe
from scorer.errors import ReadError
from tests.scorer.asr.conftest import _sox, encode


@pytest.fixture(scope="module")
def jfk_formats(tmp_path_factory: pytest.TempPathFactory, shared_audio: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("formats")
    source = shared_audio / "jfk.flac"
    paths = {"flac": source}
    for suffix in ("wav", "mp3", "ogg"):
        paths[suffix] = folder / f"jfk.{suffix}"
        _sox(str(source), str(paths[suffix]))
    paths["opus"] = encode(source, folder / "jfk.opus", "libopus")
    paths["m4a"] = encode(source, folder / "jfk.m4a", "aac")
    return paths


@pytest.mark.parametrize("suffix", ["flac", "wav", "mp3", "ogg", "opus", "m4a"])
def test_formats_decode_to_the_same_16_khz_audio(jfk_formats: dict[str, Path],
                                                 suffix: str) -> None:
    chunks = list(iter_chunks(jfk_formats[suffix]))
    assert len(chunks) == 1
    samples = chunks[0].samples
    assert samples.dtype == np.float32
    assert abs(samples.shape[1] / SAMPLE_RATE - 11.0) < 0.1  # encoders pad a few ms
    reference = next(iter(iter_chunks(jfk_formats["flac"]))).samples.mean(axis=0)
    mono = samples.mean(axis=0)
    # Lossy codecs shift the signal by their delay: compare loudness envelopes.
    envelope = [np.sqrt(np.mean(x[: 10 * SAMPLE_RATE].reshape(100, -1) ** 2, axis=1))
                for x in (reference, mono)]
    assert np.corrcoef(*envelope)[0, 1] > 0.95


def test_telephone_audio_is_resampled_to_16_khz(tmp_path: Path) -> None:
    path = tmp_path / "phone.wav"
    _sox("-n", "-r", "8000", "-c", "1", str(path), "synth", "3", "sine", "440")
    info = probe(path)
    assert (info.sample_rate, info.channels, info.declared_duration) == (8000, 1, 3.0)
    (chunk,) = iter_chunks(path)
    assert chunk.samples.shape == (1, 3 * SAMPLE_RATE)
    spectrum = np.abs(np.fft.rfft(chunk.samples[0]))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / len(chunk.samples[0]) - 440) < 2


def test_long_audio_comes_in_chunks_cut_at_quiet_moments(tmp_path: Path) -> None:
    rate = 16_000
    seconds = 150
    signal = np.zeros((seconds * rate, 2), dtype=np.float32)
    t = np.arange(seconds * rate) / rate
    loud = (t % 7) < 6  # 6 s of tone, 1 s of silence, repeatedly
    signal[:, 0] = 0.3 * np.sin(2 * np.pi * 300 * t) * loud
    signal[:, 1] = 0.2 * np.sin(2 * np.pi * 500 * t) * loud
    path = tmp_path / "long.flac"
    soundfile.write(path, signal, rate)
    chunks = list(iter_chunks(path, chunk_seconds=60))
    assert len(chunks) == 3
    assert sum(c.samples.shape[1] for c in chunks) == seconds * rate
    for previous, chunk in itertools.pairwise(chunks):
        assert chunk.start == pytest.approx(previous.start + previous.duration)
        assert 30 <= previous.duration <= 60
        assert chunk.start % 7 > 6  # the cut falls in a silence
    joined = np.concatenate([c.samples for c in chunks], axis=1)
    assert np.allclose(joined.T, signal, atol=1e-3)


def test_a_file_without_audio_stream_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "screen.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=5)
        stream.width, stream.height = 32, 32
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(ReadError, match="no audio stream"):
        probe(path)


@pytest.mark.parametrize(("name", "reason"), [
    ("empty.wav", "empty"),
    ("notes.wav", "not a readable audio file"),
    ("noise_bytes.mp3", "not a readable audio file"),
    ("truncated.wav", "truncated"),
    ("truncated.flac", "truncated"),
])
def test_unusable_files_say_what_is_wrong(damaged: dict[str, Path], name: str,
                                          reason: str) -> None:
    with pytest.raises(ReadError, match=reason) as error:
        list(iter_chunks(damaged[name]))
    assert error.value.location == str(damaged[name])


def test_a_missing_file_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="not found"):
        probe(tmp_path / "nowhere.wav")
