"""One call, scored end to end in this process, timed stage by stage: audio decoding, VAD,
speech recognition, scoring; then the same call again with the models loaded (a warm worker).

    python benchmarks/call_speed.py CALL.wav --asr-model tiny.en [--beam-size 1] [--batch-size 8]
        [--parallel-channels] [--script script.json]

Prints one JSON line: wall and CPU seconds (user + sys of this process, children included) per
stage, the load average at the start and the end, and with `--script` (the lines of a synthetic
call, as `benchmarks/asr.py` writes them) the call's WER and word-role accuracy. The whole
command (`iqs score CALL.wav`) is timed from outside, see benchmarks/CALL_SPEED.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import TypeVar

import numpy as np

from benchmarks.asr import conversation_text, script_text, wer
from scorer.asr.audio import iter_chunks
from scorer.asr.options import TranscriptionOptions
from scorer.asr.synthetic import SpokenLine, word_role_accuracy
from scorer.conversation import Role

T = TypeVar("T")


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(stages: dict[str, dict[str, float]], name: str, work: Callable[[], T]) -> T:
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = work()
    stages[name] = {"wall_s": round(time.perf_counter() - wall, 2),
                    "cpu_s": round(cpu_seconds() - cpu, 2)}
    return result


def _vad(path: Path) -> int:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return sum(len(get_speech_timestamps(channel, VadOptions()))
               for chunk in iter_chunks(path) for channel in chunk.samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("call", type=Path)
    parser.add_argument("--asr-model", default="tiny.en")
    parser.add_argument("--beam-size", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="batched decoding of this many VAD windows (0: sequential)")
    parser.add_argument("--parallel-channels", action="store_true",
                        help="decode a stereo call's two channels at once")
    parser.add_argument("--script", type=Path, help="the synthetic call's lines (JSON)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    stages: dict[str, dict[str, float]] = {}
    settings: dict[str, object] = {"model": args.asr_model, "beam_size": args.beam_size}
    known = {f.name for f in fields(TranscriptionOptions)}  # older trees lack some settings
    if args.batch_size is not None and "batch_size" in known:
        settings["batch_size"] = args.batch_size
    if "parallel_channels" in known:
        settings["parallel_channels"] = args.parallel_channels
    options = TranscriptionOptions(**settings)  # type: ignore[arg-type]

    from scorer.asr import transcribe
    from scorer.asr.transcribe import transcribe_call
    from scorer.scorecard import load_scorecard
    from scorer.scoring import Scorer

    scorer = timed(stages, "load scorer", lambda: Scorer(load_scorecard("default")))
    if hasattr(transcribe, "call_model"):
        timed(stages, "load whisper", lambda: transcribe.call_model(options, stereo=True))
    else:  # an older tree: one model whatever the call
        timed(stages, "load whisper", lambda: transcribe.load_model(
            options.model, options.compute_type, options.cpu_threads))
    timed(stages, "decode audio", lambda: [c.samples.shape for c in iter_chunks(args.call)])
    timed(stages, "VAD", lambda: _vad(args.call))
    conversation = timed(stages, "ASR (decode+VAD+recognise+turns)",
                         lambda: transcribe_call(args.call, options))
    timed(stages, "score (cold criteria)", lambda: scorer.score(conversation))
    again = timed(stages, "warm ASR", lambda: transcribe_call(args.call, options))
    timed(stages, "warm score", lambda: scorer.score(again))
    result: dict[str, object] = {
        "call": str(args.call), **settings, "stages": stages,
        "turns": len(conversation.turns), "language": conversation.language,
        "load_avg_start": load_before, "load_avg_end": os.getloadavg()[0],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    if args.script:
        spoken = [SpokenLine(Role(s["role"]), s["text"], s["start"], s["end"])
                  for s in json.loads(args.script.read_text())]
        result["wer"] = round(wer(script_text(spoken), conversation_text(conversation)), 4)
        result["roles"] = round(word_role_accuracy(conversation, spoken), 4)
        result["same_words_warm"] = bool(np.array_equal(
            np.array(conversation_text(conversation).split()),
            np.array(conversation_text(again).split())))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
