"""Regenerate the sample calls (needs Debian's espeak-ng)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import soundfile

from scorer.asr.synthetic import BRUSQUE_AGENT, GREETING_AGENT, synthesize_call

CALLS = {"call-0001-stereo": (GREETING_AGENT, True), "call-0002-mono": (BRUSQUE_AGENT, False)}


def main() -> None:
    here = Path(__file__).parent
    for name, (lines, stereo) in CALLS.items():
        with tempfile.TemporaryDirectory() as scratch:
            wav = Path(scratch) / "call.wav"
            synthesize_call(lines, wav, stereo=stereo, sample_rate=16000)
            samples, rate = soundfile.read(wav)
        soundfile.write(here / f"{name}.flac", samples, rate, format="FLAC")


if __name__ == "__main__":
    main()
