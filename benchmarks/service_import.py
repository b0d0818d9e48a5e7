"""Import throughput of the QA service: conversations/s stored and scored by `iqs import` into
(a) the embedded SQLite store (the import runs in the `iqs import` process), (b) PostgreSQL,
embedded the same way, (c) PostgreSQL with one Celery worker (`iqs worker`) and (d) with two.
Text (chats and transcripts from ../shared and samples/chats) and calls (samples/calls, speech
to text) are timed apart. See benchmarks/SERVICE.md.

    python benchmarks/service_import.py                        # everything, ~4,300 chats
    python benchmarks/service_import.py --setups sqlite,celery2 --conversations 2000
    python benchmarks/service_import.py --asr-model tiny.en    # calls with the English model
    python benchmarks/service_import.py --conversations 20 --no-calls   # a smoke run

The inputs are the same bytes in every setup: STC-3 (English translations and Chinese
originals) split into `--chunks` files each, the ABCD sample, the Harper Valley sample as the
corpus folder has it, the sample chats and (unless --no-calls) the two sample calls. One
`iqs import` is one job, so the Celery setups run one `iqs import` per chunk or folder (all
started at once, without --wait) and two workers can share them; the embedded setups import
the whole folder in one command. Every store is temporary: a folder under /tmp, a PostgreSQL
schema of database `test` (dropped), a Celery queue of its own in Redis (deleted).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.service_common import (
    SHARED,
    LoadSampler,
    exit_on_sigterm,
    markdown,
    print_environment,
    tail,
)
from benchmarks.service_import_setups import Result, run_setup
from benchmarks.service_inputs import STC3, Inputs, prepare_inputs, probe_formats

SETUPS = ("sqlite", "pg", "celery1", "celery2")
DESCRIPTION = {"sqlite": "SQLite, embedded (iqs import runs the job)",
               "pg": "PostgreSQL, embedded (iqs import runs the job)",
               "celery1": "PostgreSQL + Celery, 1 worker",
               "celery2": "PostgreSQL + Celery, 2 workers"}


# --- the report --------------------------------------------------------------------------------

def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds and seconds == seconds and seconds > 0 else float("nan")


def report(results: list[Result], inputs: Inputs, args: argparse.Namespace) -> None:
    def label(r: Result) -> str:
        threads = (f" (OMP_NUM_THREADS={args.worker_threads})"
                   if args.worker_threads and r.setup.startswith("celery") else "")
        return DESCRIPTION[r.setup] + threads + (f", run {r.run}" if args.repeat > 1 else "")

    text_expected = sum(v for k, v in inputs.expected.items() if k != "calls")
    print("## Inputs\n")
    print(markdown(["group", "conversations", "from"], [
        ("stc3-en", inputs.expected.get("stc3-en", 0),
         f"{STC3['en'].relative_to(SHARED.parent)} in {args.chunks} chunk file(s)"),
        ("stc3-zh", inputs.expected.get("stc3-zh", 0),
         f"{STC3['zh'].relative_to(SHARED.parent)} in {args.chunks} chunk file(s)"),
        ("abcd", inputs.expected.get("abcd", 0), "shared/corpora/abcd_sample/abcd_sample.json"),
        ("harper_valley", inputs.expected.get("harper_valley", 0),
         "shared/corpora/harper_valley_sample (compact copy, no metadata folder)"),
        ("chats", inputs.expected.get("chats", 0), "samples/chats (jsonl, csv, txt)"),
        ("calls", inputs.expected.get("calls", 0),
         f"samples/calls, {inputs.audio_seconds:.1f} s of audio, ASR model "
         f"{args.asr_model or 'service default (IQS_ASR_MODEL, else base)'}"
         if args.calls else "not imported (--no-calls)"),
    ]))
    print(f"\nText conversations in all: {text_expected}. Jobs per setup: embedded, one "
          f"`iqs import` of the folder (1 text job, 1 call job); Celery, one `iqs import` per "
          f"entry ({len(inputs.text_entries())} text jobs, {len(inputs.call_entries())} call "
          f"jobs).\n")
    print("## Throughput\n")
    rows: list[tuple[Any, ...]] = []
    for r in results:
        rows.append((
            label(r), f"{r.text.conversations}/{text_expected}",
            r.text.seconds, rate(r.text.conversations, r.text.seconds),
            rate(r.text.conversations, r.text.window),
            f"{r.calls.conversations}/{inputs.expected.get('calls', 0)}" if args.calls else "-",
            r.calls.seconds if args.calls else "-",
            rate(r.calls.conversations, r.calls.seconds) if args.calls else "-",
            r.worker_start if r.setup.startswith("celery") else "-",
            r.cpu, r.text.submit_cpu + (r.calls.submit_cpu if args.calls else 0.0)
            if r.setup.startswith("celery") else "-",
            r.cpu / max(1, r.text.conversations + r.calls.conversations),
            r.stored, r.runs, r.duplicates,
            len(r.text.file_failures) + len(r.calls.file_failures) + len(r.errors)))
    print(markdown(["setup", "text stored", "text wall s", "text conv/s",
                    "text conv/s in jobs", "calls stored", "calls wall s", "calls/s",
                    "workers ready s", "IQS CPU s", "of it, queuing imports",
                    "CPU s/conv", "conversations in store",
                    "score runs",
                    "duplicate runs", "failures"], rows))
    print("\n- text wall s: from starting `iqs import` to the last text job done (Celery: "
          "all imports started at once, then the store polled); includes process start-up and "
          "loading the models.\n- conv/s in jobs: over the store's window from the first job "
          "started to the last finished (no command start-up, no queue wait before it).\n"
          "- workers ready s: `iqs worker` start to Celery's ready line, before the clock "
          "starts (the scoring models load lazily, inside the first job).\n- IQS CPU s: "
          "user+system CPU of every `iqs import` and `iqs worker` process of the setup (pool "
          "children included; PostgreSQL and Redis not), start-up and model loading included: "
          "steadier than wall time when other work shares the machine. Of it, queuing "
          "imports: the `iqs import` processes that only queued jobs (Celery setups).\n")
    if args.repeat > 1:
        print(f"## Medians over {args.repeat} interleaved runs\n")
        rows = []
        for setup in dict.fromkeys(r.setup for r in results):
            mine = [r for r in results if r.setup == setup]
            text = [rate(r.text.conversations, r.text.seconds) for r in mine]
            rows.append((label(mine[0]).split(", run ")[0], len(mine), statistics.median(text),
                         f"{min(text):.1f}-{max(text):.1f}",
                         statistics.median(rate(r.text.conversations, r.text.window)
                                           for r in mine),
                         statistics.median(rate(r.calls.conversations, r.calls.seconds)
                                           for r in mine) if args.calls else "-",
                         statistics.median(r.cpu / max(1, r.text.conversations
                                                       + r.calls.conversations) for r in mine)))
        print(markdown(["setup", "runs", "text conv/s", "range", "text conv/s in jobs",
                        "calls/s", "CPU s/conv"], rows))
        print()
    print("## Seconds per source group inside jobs\n")
    rows = []
    for r in results:
        merged: dict[str, tuple[int, float]] = {}
        for g, (count, seconds) in r.groups.items():
            key = g if g in ("stc3-en", "stc3-zh", "calls") else "small (abcd, hv, chats)"
            before = merged.get(key, (0, 0.0))
            merged[key] = (before[0] + count, before[1] + seconds)
        for g in ("stc3-en", "stc3-zh", "small (abcd, hv, chats)", "calls"):
            if g in merged:
                count, seconds = merged[g]
                rows.append((label(r), g, count, seconds, rate(count, seconds)))
    print(markdown(["setup", "group", "conversations", "seconds", "conv/s per job"], rows))
    print("\nEach file's span runs from its job's start (or the previous file's last stored "
          "run) to its own last stored run, so it includes reading, scoring and writing; with "
          "2 workers two files run at once and share the 2 cores.\n")
    failures = [(label(r), m[:300]) for r in results
                for m in r.errors + r.text.file_failures + r.calls.file_failures]
    print("## Failures\n")
    print(markdown(["setup", "message"], failures) if failures else "none\n")
    notes = [(label(r), m) for r in results for m in dict.fromkeys(r.notes)]
    if notes:
        print("\n## Notes (disturbances during the run, not import failures)\n")
        print(markdown(["setup", "note"], notes))
    print()
    if not args.no_probe:
        print("## Files of ../shared the readers refuse (not imported)\n")
        print(markdown(["what", "file", "reader says"], probe_formats()))
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setups", default=",".join(SETUPS),
                        help=f"comma-separated, of {', '.join(SETUPS)} (default: all)")
    parser.add_argument("--conversations", type=int, default=None,
                        help="cap on the text conversations (default: all, about 4,300)")
    parser.add_argument("--chunks", type=int, default=4,
                        help="chunk files per STC-3 language (Celery: one job each)")
    parser.add_argument("--calls", action=argparse.BooleanOptionalAction, default=True,
                        help="import the two sample calls (speech to text) after the text")
    parser.add_argument("--asr-model", default=None,
                        help="speech-to-text model for the calls, e.g. tiny.en (default: the "
                             "service's, IQS_ASR_MODEL or base)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the setups this many times, interleaved (medians printed)")
    parser.add_argument("--worker-threads", type=int, default=None,
                        help="OMP_NUM_THREADS (torch's threads) of each `iqs worker`; default: "
                             "unset (torch takes every core)")
    parser.add_argument("--redis-db", type=int, default=14,
                        help="Redis database of the Celery queue (keys deleted afterwards)")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds allowed per import phase")
    parser.add_argument("--worker-startup", type=float, default=300,
                        help="seconds allowed for `iqs worker` to be ready")
    parser.add_argument("--no-probe", action="store_true",
                        help="skip reading the refused files of ../shared")
    parser.add_argument("--keep-logs", action="store_true",
                        help="print the temporary folder's logs before it is removed")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    unknown = sorted(set(setups) - set(SETUPS))
    if unknown:
        parser.error(f"unknown setup(s) {unknown}; choose from {SETUPS}")
    print("# IQS service import benchmark\n")
    print(f"Command: python benchmarks/service_import.py {' '.join(argv or sys.argv[1:])}\n")
    print_environment(["postgresql", "redis"] if set(setups) - {"sqlite"} else [])
    results = []
    with LoadSampler() as load, tempfile.TemporaryDirectory(prefix="iqs-bench-import-") as folder:
        work = Path(folder)
        inputs = prepare_inputs(work / "inputs", args.conversations, args.chunks, args.calls)
        for run, setup in [(n, s) for n in range(1, args.repeat + 1) for s in setups]:
            print(f"(running {setup}, run {run} ...)", file=sys.stderr, flush=True)
            results.append(run_setup(setup, inputs, args, work, run))
            r = results[-1]
            print(f"({setup}: text {r.text.conversations} in {r.text.seconds:.1f} s, calls "
                  f"{r.calls.conversations} in {r.calls.seconds:.1f} s, errors {r.errors})",
                  file=sys.stderr, flush=True)
            if args.keep_logs:
                for log in sorted((work / f"{setup}-{run}").glob("*.log")):
                    print(f"--- {log.name}\n{tail(log, 4000)}", file=sys.stderr)
        report(results, inputs, args)
    print(load.line())
    bad = any(r.errors or r.text.file_failures or r.calls.file_failures or r.duplicates
              for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
