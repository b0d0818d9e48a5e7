"""Audio for the speech-to-text tests, made once per session into temporary folders: synthetic
calls spoken by espeak-ng, non-speech sounds made by sox, damaged files cut from real ones."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from corpora.paths import audio_dir
from scorer.asr import TranscriptionOptions
from scorer.asr.synthetic import (
    BRUSQUE_AGENT,
    CUSTOMER_FIRST,
    GREETING_AGENT,
    SpokenLine,
    synthesize_call,
)

TINY = TranscriptionOptions(model="tiny.en", beam_size=1)


@dataclass(frozen=True)
class Call:
    path: Path
    spoken: list[SpokenLine]


@pytest.fixture(scope="session")
def shared_audio() -> Path:
    return audio_dir() / "faster_whisper_tests"


@pytest.fixture(scope="session")
def calls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Call]:
    """Synthetic calls: stereo and mono, 16 kHz and 8 kHz telephone audio."""
    folder = tmp_path_factory.mktemp("calls")
    made = {}
    for name, script, stereo, rate in [
        ("greeting_stereo", GREETING_AGENT, True, 16_000),
        ("greeting_mono", GREETING_AGENT, False, 16_000),
        ("telephone_stereo", GREETING_AGENT, True, 8_000),
        ("brusque_mono", BRUSQUE_AGENT, False, 16_000),
        ("customer_first_mono", CUSTOMER_FIRST, False, 16_000),
    ]:
        path = folder / f"{name}.wav"
        made[name] = Call(path, synthesize_call(script, path, stereo=stereo, sample_rate=rate))
    return made


def _sox(*args: str) -> None:
    if shutil.which("sox") is None:
        pytest.fail("these tests need sox: apt-get install sox")
    subprocess.run(["sox", *args], check=True, capture_output=True)


@pytest.fixture(scope="session")
def non_speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Silence, a steady tone and a music-like chord sequence, 20 s each."""
    folder = tmp_path_factory.mktemp("non_speech")
    paths = {name: folder / f"{name}.wav" for name in ("silence", "tone", "music")}
    _sox("-n", "-r", "16000", "-c", "1", str(paths["silence"]), "trim", "0", "20")
    _sox("-n", "-r", "8000", "-c", "1", str(paths["tone"]), "synth", "20", "sine", "1000",
         "vol", "0.5")
    chords = [("C4", "E4", "G4"), ("D4", "F4", "A4"), ("E4", "G4", "B4"), ("C5", "E4", "G4")]
    phrase: list[str] = []
    for chord in chords:  # effect chains separated by ":" play one after the other
        phrase += ["synth", "0.5", *(x for note in chord for x in ("pluck", note)), ":"]
    _sox("-n", "-r", "16000", "-c", "2", str(folder / "phrase.wav"), *phrase[:-1])
    _sox(str(folder / "phrase.wav"), str(paths["music"]), "repeat", "9", "vol", "0.6")
    return paths


def encode(source: Path, destination: Path, codec: str) -> Path:
    """Re-encode `source` with PyAV (sox cannot write opus or m4a)."""
    with av.open(str(source)) as inp, av.open(str(destination), "w") as out:
        rate = 48_000 if codec == "libopus" else 44_100
        stream = out.add_stream(codec, rate=rate)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        for frame in inp.decode(audio=0):
            frame.pts = None
            for converted in resampler.resample(frame):
                out.mux(stream.encode(converted))
        out.mux(stream.encode(None))
    return destination


@pytest.fixture(scope="session")
def damaged(tmp_path_factory: pytest.TempPathFactory, shared_audio: Path) -> dict[str, Path]:
    """Files that are not usable audio, each for a different reason."""
    folder = tmp_path_factory.mktemp("damaged")
    stereo = (shared_audio / "stereo_diarization.wav").read_bytes()
    flac = (shared_audio / "jfk.flac").read_bytes()
    rng = np.random.default_rng(7)
    files = {
        "empty.wav": b"",
        "notes.wav": b"these are meeting notes, not audio\n" * 20,
        "noise_bytes.mp3": rng.integers(0, 256, 4000, dtype=np.uint8).tobytes(),
        "truncated.wav": stereo[:len(stereo) // 5],
        "truncated.flac": flac[:len(flac) // 10],
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return {name: folder / name for name in files}
