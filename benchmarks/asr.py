"""Speech-to-text on this machine: real-time factor, word error rate and peak memory for
tiny.en / base × int8 / float32 × beam 1 / 5, on the shared clips with reference texts and on a
synthetic 5-minute stereo call (also mixed to mono, to measure speaker separation).

    python benchmarks/asr.py [--call-minutes 5] [--configs all|defaults] [--long-minutes 60]

Each configuration runs in a process of its own so that its peak memory (max RSS) is its own.
WER: word-level edit distance over the words of `scorer.text.tokenize` (case and punctuation
ignored), divided by the reference length. RTF: recognition seconds / audio seconds.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile
from rapidfuzz.distance import Levenshtein

from corpora.paths import audio_dir
from scorer.asr import TranscriptionOptions, transcribe_call
from scorer.asr.audio import iter_chunks
from scorer.asr.results import ChannelTranscript
from scorer.asr.synthetic import (
    SpokenLine,
    long_call,
    synthesize_call,
    word_role_accuracy,
)
from scorer.asr.transcribe import load_model, recognize
from scorer.conversation import Conversation, Role
from scorer.text import tokenize

MIT_PARAGRAPH = (
    'Permission is hereby granted, free of charge, to any person obtaining a copy of this '
    'software and associated documentation files (the "Software"), to deal in the Software '
    'without restriction, including without limitation the rights to use, copy, modify, merge, '
    'publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons '
    'to whom the Software is furnished to do so, subject to the following conditions: The above '
    'copyright notice and this permission notice shall be included in all copies or substantial '
    'portions of the Software.')
STEREO_LEFT = ("He began a confused complaint against the wizard, who had vanished behind the "
               "curtain on the left.")
STEREO_RIGHT = "The horizon seems extremely distant."
CONFIGS = [(m, c, b) for m in ("tiny.en", "base") for c in ("int8", "float32") for b in (1, 5)]
DEFAULTS = [("tiny.en", "int8", 1), ("base", "int8", 1), ("base", "int8", 5)]


@dataclass(frozen=True)
class Clip:
    name: str
    file: str
    channel: int | None  # None: the channels' mix
    seconds: float | None  # only the first seconds (the English part)
    reference: str


CLIPS = [
    Clip("jfk", "jfk.flac", None, None, "And so my fellow Americans, ask not what your country "
         "can do for you, ask what you can do for your country."),
    Clip("stereo L", "stereo_diarization.wav", 0, None, STEREO_LEFT),
    Clip("stereo R", "stereo_diarization.wav", 1, None, STEREO_RIGHT),
    # The English reading ends at about 31 s; the German translation follows.
    Clip("mit-en", "multilingual.mp3", None, 31.0, MIT_PARAGRAPH),
]


def words(text: str) -> list[str]:
    return [t.norm for t in tokenize(text)]


def wer(reference: str, hypothesis: str) -> float:
    ref = words(reference)
    return Levenshtein.distance(ref, words(hypothesis)) / len(ref)


def conversation_text(conversation: Conversation) -> str:
    return " ".join(t.text for t in conversation.turns)


def script_text(spoken: list[SpokenLine]) -> str:
    return " ".join(s.text for s in sorted(spoken, key=lambda s: s.start))


def speaker_purity(conversation: Conversation, left: str, right: str) -> float:
    """Share of the recognised words (found in just one channel's sentence) whose speaker
    matches that channel, under the better of the two speaker ↔ channel pairings."""
    left_words, right_words = set(words(left)), set(words(right))
    pairs = []
    for turn in conversation.turns:
        for word in words(turn.text):
            if (word in left_words) != (word in right_words):
                pairs.append((turn.speaker, 0 if word in left_words else 1))
    if not pairs:
        return 0.0
    first = pairs[0][0]
    agree = sum((speaker == first) == (channel == pairs[0][1]) for speaker, channel in pairs)
    return max(agree, len(pairs) - agree) / len(pairs)


def run_one(model: str, compute: str, beam: int, calls: dict[str, str],
            mono: bool) -> dict[str, object]:
    options = TranscriptionOptions(model=model, compute_type=compute, beam_size=beam)
    started = time.perf_counter()
    whisper = load_model(options.model, options.compute_type, options.cpu_threads)
    result: dict[str, object] = {"load_s": time.perf_counter() - started}
    for clip in CLIPS:
        (chunk,) = iter_chunks(audio_dir() / "faster_whisper_tests" / clip.file)
        samples = chunk.samples.mean(axis=0) if clip.channel is None else \
            chunk.samples[clip.channel]
        if clip.seconds is not None:
            samples = samples[: int(clip.seconds * 16_000)]
        clip_options = replace(options, language="en")  # the mixed clip would detect German
        started = time.perf_counter()
        kept = recognize(whisper, samples, 0.0, clip_options, ChannelTranscript(0))
        elapsed = time.perf_counter() - started
        hypothesis = " ".join(s.text for s in kept)
        result[clip.name] = {"wer": wer(clip.reference, hypothesis),
                             "rtf": elapsed / (len(samples) / 16_000), "text": hypothesis}
    spoken = [SpokenLine(Role(s["role"]), s["text"], s["start"], s["end"])
              for s in json.loads(Path(calls["script"]).read_text())]
    started = time.perf_counter()
    stereo = transcribe_call(calls["stereo"], options)
    elapsed = time.perf_counter() - started
    duration = max(s.end for s in spoken) + 0.5
    result["call stereo"] = {"seconds": elapsed, "rtf": elapsed / duration,
                             "wer": wer(script_text(spoken), conversation_text(stereo)),
                             "roles": word_role_accuracy(stereo, spoken)}
    if mono:
        started = time.perf_counter()
        mixed = transcribe_call(calls["mono"], options)
        elapsed = time.perf_counter() - started
        result["call mono"] = {"seconds": elapsed, "rtf": elapsed / duration,
                               "wer": wer(script_text(spoken), conversation_text(mixed)),
                               "roles": word_role_accuracy(mixed, spoken),
                               "speakers": len({t.speaker for t in mixed.turns})}
        clip_mix = transcribe_call(calls["stereo_mix"], options)
        result["stereo clip mixed"] = {
            "purity": speaker_purity(clip_mix, STEREO_LEFT, STEREO_RIGHT),
            "speakers": len({t.speaker for t in clip_mix.turns}),
            "turns": [(t.speaker, t.role.value, t.text) for t in clip_mix.turns]}
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_long(path: str, model: str, chunk_seconds: float) -> dict[str, object]:
    options = TranscriptionOptions(model=model, beam_size=1, chunk_seconds=chunk_seconds)
    started = time.perf_counter()
    conversation = transcribe_call(path, options)
    return {"seconds": time.perf_counter() - started, "turns": len(conversation.turns),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(*args: str) -> dict[str, object]:
    output = subprocess.run([sys.executable, __file__, *args], check=True, text=True,
                            capture_output=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def make_calls(folder: Path, minutes: float) -> dict[str, str]:
    lines = long_call(minutes)
    stereo, mono = folder / "call_stereo.wav", folder / "call_mono.wav"
    spoken = synthesize_call(lines, stereo)
    synthesize_call(lines, mono, stereo=False)
    script = folder / "script.json"
    script.write_text(json.dumps([{"role": s.role.value, "text": s.text, "start": s.start,
                                   "end": s.end} for s in spoken]))
    clip, rate = soundfile.read(audio_dir() / "faster_whisper_tests" / "stereo_diarization.wav")
    soundfile.write(folder / "stereo_mix.wav", np.mean(clip, axis=1), rate)
    return {"stereo": str(stereo), "mono": str(mono), "script": str(script),
            "stereo_mix": str(folder / "stereo_mix.wav")}


def print_table(rows: list[tuple[tuple[str, str, int], dict[str, object]]],
                call_minutes: float) -> None:
    header = (f"{'model':8} {'type':8} {'beam':>4} | {'jfk':>11} {'stereo L':>11} "
              f"{'stereo R':>11} {'mit-en':>11} | {f'{call_minutes:g}-min stereo call':>26} | "
              f"{'RSS MiB':>7}")
    print(header)
    print(f"{'':22} | {'WER / RTF':>11} {'WER / RTF':>11} {'WER / RTF':>11} {'WER / RTF':>11} |"
          f" {'s / RTF / WER / roles':>26} |")
    print("-" * len(header))
    for (model, compute, beam), r in rows:
        cells = []
        for name in ("jfk", "stereo L", "stereo R", "mit-en"):
            clip = r[name]
            assert isinstance(clip, dict)
            cells.append(f"{clip['wer']:5.1%}/{clip['rtf']:.3f}")
        call = r["call stereo"]
        assert isinstance(call, dict)
        call_cell = (f"{call['seconds']:5.1f}/{call['rtf']:.3f}/{call['wer']:5.1%}/"
                     f"{call['roles']:5.1%}")
        print(f"{model:8} {compute:8} {beam:>4} | {' '.join(f'{c:>11}' for c in cells)} | "
              f"{call_cell:>26} | {r['peak_rss_mib']:7.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--call-minutes", type=float, default=5.0)
    parser.add_argument("--configs", choices=("all", "defaults"), default="all")
    parser.add_argument("--long-minutes", type=float, default=0.0,
                        help="also transcribe a stereo call this long with tiny.en, chunked and "
                             "in one piece, to compare peak memory")
    parser.add_argument("--one", nargs=4, metavar=("MODEL", "TYPE", "BEAM", "CALLS_JSON"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--long", nargs=3, metavar=("PATH", "MODEL", "CHUNK_S"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        model, compute, beam, calls = args.one
        calls_dict = json.loads(calls)
        print(json.dumps(run_one(model, compute, int(beam), calls_dict,
                                 mono=calls_dict["mono_wanted"])))
        return
    if args.long:
        print(json.dumps(run_long(args.long[0], args.long[1], float(args.long[2]))))
        return
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        calls = make_calls(Path(scratch), args.call_minutes)
        print(f"synthesised the {args.call_minutes:g}-minute call in "
              f"{time.perf_counter() - started:.0f} s")
        rows = []
        for config in CONFIGS if args.configs == "all" else DEFAULTS:
            wanted = {**calls, "mono_wanted": config in DEFAULTS}
            result = _child("--one", config[0], config[1], str(config[2]), json.dumps(wanted))
            rows.append((config, result))
            print(f"done {config}: {json.dumps(result)}", file=sys.stderr)
        print_table(rows, args.call_minutes)
        print()
        for config, r in rows:
            if "call mono" in r:
                mono, mix = r["call mono"], r["stereo clip mixed"]
                assert isinstance(mono, dict) and isinstance(mix, dict)
                print(f"{config}: {args.call_minutes:g}-min mono call {mono['seconds']:.1f} s, "
                      "word roles "
                      f"{mono['roles']:.1%}, {mono['speakers']} speakers, WER {mono['wer']:.1%};"
                      f" shared stereo clip mixed to mono: speaker purity {mix['purity']:.1%}, "
                      f"{mix['speakers']} speakers: {mix['turns']}")
        if args.long_minutes:
            path = Path(scratch) / "long.wav"
            synthesize_call(long_call(args.long_minutes), path)
            for chunk in (600.0, args.long_minutes * 60 + 60):
                r = _child("--long", str(path), "tiny.en", str(chunk))
                print(f"{args.long_minutes:g}-min stereo call, tiny.en int8 beam 1, chunks of "
                      f"{chunk:.0f} s: {r['seconds']:.0f} s, peak RSS {r['peak_rss_mib']:.0f} "
                      f"MiB, {r['turns']} turns")


if __name__ == "__main__":
    main()
