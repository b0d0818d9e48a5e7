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
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.service_common import (
    REPO,
    SHARED,
    LoadSampler,
    exit_on_sigterm,
    markdown,
    pg_schema,
    print_environment,
    redis_queue,
    run_iqs,
    service_env,
    start_iqs,
    stop_process,
    tail,
)

CORPORA = SHARED / "corpora"
STC3 = {"en": CORPORA / "stc3_dch1" / "train_data_en.json",
        "zh": CORPORA / "stc3_dch1" / "train_data_cn.json"}
SMALL_SOURCES = {
    "abcd": [CORPORA / "abcd_sample" / "abcd_sample.json"],
    "harper_valley": sorted((CORPORA / "harper_valley_sample").glob("*.json")),
    "chats": sorted(p for p in (REPO / "samples" / "chats").iterdir()
                    if p.is_file() and p.name != "README.md"),
}
CALLS = sorted((REPO / "samples" / "calls").glob("*.flac"))
SETUPS = ("sqlite", "pg", "celery1", "celery2")
DESCRIPTION = {"sqlite": "SQLite, embedded (iqs import runs the job)",
               "pg": "PostgreSQL, embedded (iqs import runs the job)",
               "celery1": "PostgreSQL + Celery, 1 worker",
               "celery2": "PostgreSQL + Celery, 2 workers"}
PROBES = [
    ("SwDA telephone conversations (speaker|text|tag lines)",
     sorted((CORPORA / "swda" / "train").glob("*.txt"))[:3]),
    ("ABCD folder's other files (guidelines, knowledge base, ontology)",
     [p for p in sorted((CORPORA / "abcd_sample").glob("*.json")) if p.name != "abcd_sample.json"]),
]


# --- the inputs --------------------------------------------------------------------------------

@dataclass
class Inputs:
    text: Path
    """Folder of the text inputs (each top-level entry is one job in the Celery setups)."""
    calls: Path
    expected: dict[str, int]
    """Conversations each group should give (stc3-en, stc3-zh, abcd, harper_valley, chats)."""
    audio_seconds: float = 0.0

    def text_entries(self) -> list[Path]:
        return sorted(self.text.iterdir())

    def call_entries(self) -> list[Path]:
        return sorted(self.calls.glob("*.flac"))


def _share(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def prepare_inputs(folder: Path, conversations: int | None, chunks: int,
                   calls: bool) -> Inputs:
    """The import folder: STC-3 subsets written as chunk files (the same JSON layout), the
    small sources linked in. `conversations` caps the text conversations (None: all)."""
    from scorer.readers import ReaderOptions, read_file

    text, call_dir = folder / "text", folder / "calls"
    text.mkdir(parents=True)
    call_dir.mkdir()
    expected: dict[str, int] = {}
    small = 0
    for group, paths in SMALL_SOURCES.items():
        target = text / group
        target.mkdir()
        count = 0
        for path in paths:
            (target / path.name).symlink_to(path)
            if path.suffix.lower() in (".json", ".jsonl", ".csv", ".txt"):
                count += len(read_file(path, ReaderOptions()))
        expected[group], small = count, small + count
    dialogues = {lang: json.loads(path.read_text(encoding="utf-8"))
                 for lang, path in STC3.items()}
    if conversations is None:
        wanted = {lang: len(items) for lang, items in dialogues.items()}
    else:
        rest = max(0, conversations - small)
        wanted = dict(zip(dialogues, _share(rest, len(dialogues)), strict=True))
    for lang, items in dialogues.items():
        items = items[:wanted[lang]]
        expected[f"stc3-{lang}"] = len(items)
        parts = max(1, min(chunks, len(items)))
        start = 0
        for number, size in enumerate(_share(len(items), parts), start=1):
            if size:
                chunk = text / f"stc3-{lang}-{number:02d}.json"
                chunk.write_text(json.dumps(items[start:start + size], ensure_ascii=False),
                                 encoding="utf-8")
            start += size
    seconds = 0.0
    if calls:
        import soundfile

        for path in CALLS:
            (call_dir / path.name).symlink_to(path)
            meta = path.with_suffix(".yaml")
            if meta.is_file():
                (call_dir / meta.name).symlink_to(meta)
            seconds += soundfile.info(str(path)).duration
        expected["calls"] = len(CALLS)
    return Inputs(text, call_dir, expected, seconds)


def probe_formats() -> list[tuple[str, str, str]]:
    """Files of ../shared the readers refuse, with the reader's message (not imported)."""
    from scorer.errors import IQSError
    from scorer.readers import ReaderOptions, read_file

    rows: list[tuple[Any, ...]] = []
    for what, paths in PROBES:
        for path in paths:
            try:
                found = f"read: {len(read_file(path, ReaderOptions()))} conversation(s)"
            except IQSError as exc:
                found = "refused: " + str(exc).replace(str(CORPORA) + "/", "")[:220]
            rows.append((what, str(path.relative_to(SHARED.parent)), found))
    return rows


# --- measuring one setup -----------------------------------------------------------------------

@dataclass
class Phase:
    conversations: int = 0
    seconds: float = float("nan")
    jobs: int = 0
    jobs_failed: int = 0
    file_failures: list[str] = field(default_factory=list)
    window: float = float("nan")
    """First job started to last job finished (the store's clock)."""
    submit_cpu: float = float("nan")
    """CPU seconds of the `iqs import` processes that queued the jobs (Celery setups)."""


@dataclass
class Result:
    setup: str
    run: int = 1
    text: Phase = field(default_factory=Phase)
    calls: Phase = field(default_factory=Phase)
    worker_start: float = float("nan")
    stored: int = 0
    runs: int = 0
    duplicates: int = 0
    groups: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per source group: (conversations, seconds its files took inside their jobs)."""
    errors: list[str] = field(default_factory=list)
    cpu: float = float("nan")
    """CPU seconds of the setup's IQS processes (imports, workers), start-up included."""
    notes: list[str] = field(default_factory=list)
    """What happened around the measurement (not failures of the import)."""


JOB_ID = re.compile(r"\b[0-9a-f]{32}\b")


def _job_ids(output: str) -> list[str]:
    """The job ids `iqs import` printed (one per job: a folder of more than 50 files is
    split into several jobs by `iqs import` itself)."""
    return list(dict.fromkeys(JOB_ID.findall(output)))


def _import_here(paths: list[Path], env: dict[str, str], extra: list[str], timeout: float,
                 log: Path, phase: Phase, result: Result) -> list[str]:
    """One `iqs import` run to its end (the embedded setups)."""
    started = time.perf_counter()
    done = run_iqs(["import", *map(str, paths), *extra], env, timeout, log)
    phase.seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        result.errors.append(f"iqs import exited {done.returncode}: {done.stderr[-600:]}")
    return _job_ids(done.stdout + done.stderr)


def _import_queued(entries: list[Path], env: dict[str, str], extra: list[str], timeout: float,
                   log: Path, url: str, phase: Phase, result: Result) -> list[str]:
    """One `iqs import` per entry, all started at once (each queues one job), then wait
    until every job is done or failed."""
    started, cpu = time.perf_counter(), _children_cpu()
    processes = []
    for entry in entries:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "scorer.cli", "import", str(entry), *extra], cwd=REPO,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    ids = []
    for process, entry in zip(processes, entries, strict=True):
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            result.errors.append(f"iqs import {entry.name}: no answer in {timeout:.0f} s")
        with log.open("a") as out:
            out.write(f"$ iqs import {entry}\n{output}\n(exit {process.returncode})\n")
        found = _job_ids(output)
        if not found:
            result.errors.append(f"iqs import {entry.name} queued no job: {output[-400:]}")
        ids.extend(found)
    phase.submit_cpu = _children_cpu() - cpu
    _wait_jobs(url, ids, started + timeout, result)
    phase.seconds = time.perf_counter() - started
    return ids


def _wait_jobs(url: str, ids: list[str], deadline: float, result: Result) -> None:
    from sqlalchemy import select

    from api.store import tables
    from api.store.db import make_engine

    engine = make_engine(url)
    states: dict[str, str] = {}
    try:
        while True:
            try:
                with engine.connect() as connection:
                    states = dict(connection.execute(select(tables.Job.id, tables.Job.state)
                                                     .where(tables.Job.id.in_(ids))).all())
            except Exception as exc:  # the database restarted under us: look again
                result.notes.append(f"the store did not answer while the jobs were polled "
                                    f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]}); "
                                    "polled again")
            if all(states.get(i) in ("done", "failed") for i in ids):
                return
            if time.perf_counter() > deadline:
                result.errors.append(f"jobs not finished in time: {sorted(states.items())}")
                return
            time.sleep(0.5)
    finally:
        engine.dispose()


def _settle(url: str, ids: list[str], phase: Phase) -> None:
    """The phase's counts from the store: conversations of its jobs, failures, job window."""
    from sqlalchemy import select

    from api.store import tables
    from api.store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            jobs = connection.execute(select(tables.Job).where(tables.Job.id.in_(ids))).all()
    finally:
        engine.dispose()
    conversations: set[int] = set()
    starts, ends = [], []
    for job in jobs:
        conversations.update(job.result.get("conversation_ids", []))
        phase.file_failures += [f"{f['file']}: {f['message']}"
                                for f in job.result.get("failures", [])]
        if job.state != "done":
            phase.jobs_failed += 1
            phase.file_failures.append(f"job {job.id} {job.state}: {job.error}")
        if job.started_at and job.finished_at:
            starts.append(job.started_at)
            ends.append(job.finished_at)
    phase.jobs, phase.conversations = len(jobs), len(conversations)
    if starts:
        phase.window = (max(ends) - min(starts)).total_seconds()


def _group(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1]
    if name.startswith(("stc3-en", "stc3-zh")):
        return name[:7]
    for group, paths in SMALL_SOURCES.items():
        if name in {p.name for p in paths}:
            return group
    return "calls" if name.endswith(".flac") else "other"


def _store_counts(url: str, ids: list[str], result: Result) -> None:
    """Totals, duplicates, and per-group seconds: each file's span inside its job (from the
    job's start or the previous file's last stored run to this file's last stored run)."""
    from sqlalchemy import func, select

    from api.store import tables
    from api.store.db import make_engine

    engine = make_engine(url)
    c, run, source = tables.Conversation, tables.ScoreRun, tables.SourceFile
    try:
        with engine.connect() as connection:
            result.stored = connection.scalar(select(func.count(c.id))) or 0
            result.runs = connection.scalar(select(func.count(run.id))) or 0
            per = (select(run.conversation_id, run.scorecard_version_id, func.count())
                   .group_by(run.conversation_id, run.scorecard_version_id)
                   .having(func.count() > 1)).subquery()
            result.duplicates = connection.scalar(select(func.count()).select_from(per)) or 0
            rows = connection.execute(
                select(run.job_id, source.filename, func.count(c.id), func.max(run.created_at))
                .join(c, c.id == run.conversation_id)
                .join(source, source.sha256 == c.source_sha256)
                .where(run.job_id.in_(ids))
                .group_by(run.job_id, source.filename)).all()
            started: dict[str | None, Any] = dict(connection.execute(
                select(tables.Job.id, tables.Job.started_at)
                .where(tables.Job.id.in_(ids))).all())
    finally:
        engine.dispose()
    by_job: dict[str | None, list[tuple[Any, str, int]]] = defaultdict(list)
    for job_id, filename, count, last in rows:
        by_job[job_id].append((last, filename, count))
    groups: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for job_id, files in by_job.items():
        previous = started.get(job_id)
        for last, filename, count in sorted(files):
            span = (last - previous).total_seconds() if previous is not None else float("nan")
            groups[_group(filename)][0] += count
            groups[_group(filename)][1] += span
            previous = last
    result.groups = {k: (int(v[0]), float(v[1])) for k, v in groups.items()}


@contextmanager
def _workers(count: int, env: dict[str, str], home: Path, result: Result,
             startup: float) -> Iterator[None]:
    """`count` `iqs worker` processes, each ready (Celery's "ready." line) before yielding."""
    processes, logs = [], []
    started = time.perf_counter()
    try:
        for n in range(count):
            log = home / f"worker-{n}.log"
            logs.append(log)
            processes.append(start_iqs(["worker", "--concurrency", "1", "--loglevel", "INFO"],
                                       env, log))
        deadline = started + startup
        while not all("ready." in tail(log, 100_000) for log in logs):
            dead = [p for p in processes if p.poll() is not None]
            if dead or time.perf_counter() > deadline:
                raise RuntimeError("iqs worker did not start: " + " / ".join(
                    tail(log, 1500) for log in logs))
            time.sleep(0.3)
        result.worker_start = time.perf_counter() - started
        yield
    finally:
        for process in processes:
            stop_process(process, grace=60)


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's ended and waited-for children: the
    `iqs import` and `iqs worker` processes with their pool children (not PostgreSQL)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_setup(setup: str, inputs: Inputs, args: argparse.Namespace, work: Path,
              run: int = 1) -> Result:
    result = Result(setup, run)
    home = work / f"{setup}-{run}"
    home.mkdir()
    log = home / "iqs.log"
    extra_calls = ["--asr-model", args.asr_model] if args.asr_model else []
    with ExitStack() as stack:
        url = None
        if setup != "sqlite":
            url = stack.enter_context(pg_schema("iqs_bench_import"))
        env = service_env(home, url)
        store_url = url or f"sqlite:///{home / 'iqs.db'}"
        if url:
            upgraded = run_iqs(["db", "upgrade"], env, 300, log)
            if upgraded.returncode != 0:
                result.errors.append(f"iqs db upgrade: {upgraded.stderr[-600:]}")
                return result
        text_ids, call_ids = [], []
        cpu = _children_cpu()
        if setup in ("sqlite", "pg"):
            text_ids = _import_here([inputs.text], env, [], args.timeout, log, result.text,
                                    result)
            if args.calls:
                call_ids = _import_here([inputs.calls], env, extra_calls, args.timeout, log,
                                        result.calls, result)
        else:
            broker, queue = stack.enter_context(redis_queue(args.redis_db))
            env.update(IQS_BROKER_URL=broker, IQS_QUEUE=queue)
            workers = 1 if setup == "celery1" else 2
            worker_env = dict(env)
            if args.worker_threads:
                worker_env.update(OMP_NUM_THREADS=str(args.worker_threads),
                                  MKL_NUM_THREADS=str(args.worker_threads))
            try:
                with _workers(workers, worker_env, home, result, args.worker_startup):
                    text_ids = _import_queued(inputs.text_entries(), env, [], args.timeout, log,
                                              store_url, result.text, result)
                    if args.calls:
                        call_ids = _import_queued(inputs.call_entries(), env, extra_calls,
                                                  args.timeout, log, store_url, result.calls,
                                                  result)
            except RuntimeError as exc:
                result.errors.append(str(exc)[-1500:])
                return result
        result.cpu = _children_cpu() - cpu
        _settle(store_url, text_ids, result.text)
        if call_ids:
            _settle(store_url, call_ids, result.calls)
        _store_counts(store_url, text_ids + call_ids, result)
    if args.keep_logs:
        print(f"(logs of {setup}: {home})")
    return result


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
