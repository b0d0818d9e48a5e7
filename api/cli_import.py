"""`iqs import`: files and folders into the store, as jobs of BATCH_FILES files that the
configured workers (or this command itself) run, with a progress bar and a summary. Registered
in `scorer/cli.py`."""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from api.cli_ops import _fail, _settings, err

if TYPE_CHECKING:
    from api.jobs.queue import JobQueue
    from api.jobs.runtime import Runtime
    from api.settings import Settings
    from api.store.files import StoredFile
    from scorer.readers import ReaderOptions

POLL_SECONDS = 0.3
TERMINAL = ("done", "failed")
BATCH_FILES = 50
"""Files per import job: a large import becomes several jobs that workers share."""
AGAIN = "Run the same import again: what is stored is kept, and nothing is stored twice"


def collect(paths: list[Path]) -> tuple[list[tuple[Path, str]], list[Path]]:
    """The files to import, each with the name it is stored under, and the files of folders
    skipped as no conversation format (README.md and the like).

    A folder's files (walked recursively, hidden ones skipped) keep their path relative to
    the folder, prefixed by the folder's name when several paths are given, so that companions
    stay beside their files (Harper Valley's metadata/*.json, a call's .yaml). A file given by
    name is stored under its own name, with its call's .yaml when there is one beside it."""
    from api.jobs.tasks import CALL_METADATA
    from scorer.errors import ConfigError
    from scorer.readers import known_extensions

    kept = {*known_extensions(), *CALL_METADATA}
    found: list[tuple[Path, str]] = []
    skipped: list[Path] = []
    several = len(paths) > 1
    for given in paths:
        if not given.exists():
            raise ConfigError("no such file or folder", location=str(given))
        if given.is_dir():
            prefix = f"{given.resolve().name}/" if several else ""
            for path in sorted(given.rglob("*")):
                relative = path.relative_to(given)
                if not path.is_file() or any(p.startswith(".") for p in relative.parts):
                    continue
                if path.suffix.lower() in kept:
                    found.append((path, prefix + relative.as_posix()))
                else:
                    skipped.append(path)
        else:
            found.append((given, given.name))
            for suffix in CALL_METADATA:
                companion = given.with_suffix(suffix)
                if companion != given and companion.is_file():
                    found.append((companion, companion.name))
    names: dict[str, Path] = {}
    for path, name in found:
        if name in names and names[name].resolve() != path.resolve():
            raise ConfigError(f"two inputs would be stored as {name!r} ({names[name]} and "
                              f"{path}): import them separately", location=str(path))
        names[name] = path
    return [(path, name) for name, path in names.items()], skipped


def batches(files: list[StoredFile], size: int = BATCH_FILES) -> list[list[StoredFile]]:
    """The files split into jobs of about `size` files, so that several workers share an
    import. Files of one stem stay together: a call and its .yaml, a Harper Valley transcript
    and its metadata/<sid>.json (companions are read with their file, in the same job)."""
    groups: dict[str, list[StoredFile]] = {}
    for file in files:
        groups.setdefault(PurePosixPath(file.name).stem, []).append(file)
    count = max(1, math.ceil(len(files) / size))
    target = math.ceil(len(files) / count)
    jobs: list[list[StoredFile]] = [[]]
    for group in groups.values():
        if jobs[-1] and len(jobs[-1]) + len(group) > target:
            jobs.append([])
        jobs[-1].extend(group)
    return jobs


def import_(
    paths: Annotated[list[Path], typer.Argument(help="files and folders to import")],
    wait: Annotated[bool, typer.Option(
        help="with a broker: wait for the jobs, with a progress bar (without a broker the "
             "import always runs here)")] = False,
    scorecard: Annotated[str, typer.Option(
        help="scorecard name in the store, or a YAML file (kept as a new version)")] = "default",
    input_format: Annotated[str | None, typer.Option(
        "--format", help="force a reader, e.g. csv")] = None,
    language: Annotated[str | None, typer.Option(help="force the language, e.g. ru")] = None,
    encoding: Annotated[str | None, typer.Option(help="text encoding of the files")] = None,
    asr_model: Annotated[str | None, typer.Option(
        "--asr-model", help="speech-to-text model for calls: base, tiny.en, or a folder; "
                            "default IQS_ASR_MODEL or base")] = None,
) -> None:
    """Store and score files and folders (any format `iqs score` reads, call recordings with
    their .yaml, corpus folders with their metadata) in the configured store, as jobs: run
    here, or by the workers when IQS_BROKER_URL is set. The same file imported again is not
    stored twice. Exit 1 when a file could not be read, 2 on a configuration error."""
    from api.jobs.queue import JobQueue
    from api.jobs.runtime import Runtime
    from scorer.errors import IQSError

    settings = _settings()
    _quiet_logs()
    runtime = Runtime(settings)
    try:
        try:
            runtime.prepare()
            options = _reader_options(settings, input_format, language, encoding, asr_model)
            version_id = _version(runtime, scorecard)
            inputs, skipped = collect(paths)
        except IQSError as exc:
            raise _fail(str(exc)) from exc
        except typer.Exit:
            raise
        except Exception as exc:  # the store unreachable
            raise _fail(f"the store: {type(exc).__name__}: {exc}") from exc
        if skipped:
            shown = ", ".join(p.name for p in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
            err.print(f"skipped {len(skipped)} file(s) of no conversation format: {shown}",
                      markup=False, highlight=False)
        if not inputs:
            raise _fail(f"no conversation files in {', '.join(map(str, paths))}")
        stored, unreadable = _store_files(runtime, inputs)
        if not stored:
            _report(runtime, [], unreadable)
        queue = JobQueue(settings)
        job_ids = [_submit(runtime, batch, version_id, options) for batch in batches(stored)]
        if queue.distributed:
            _send(runtime, queue, job_ids)
            if not wait:
                typer.echo(f"{len(job_ids)} job(s) queued ({len(stored)} file(s)): "
                           f"{' '.join(job_ids)}; follow them with GET /v1/jobs/ID, or "
                           "import again with --wait")
                _report_unreadable(unreadable)
                raise typer.Exit(1 if unreadable else 0)
            _follow(runtime, job_ids, len(stored), None)
        else:
            _run_here(runtime, job_ids, len(stored))
        _report(runtime, job_ids, unreadable)
    finally:
        runtime.close()


class _MessageOnly(logging.Formatter):
    """Log lines without tracebacks: the summary says what failed, in a line."""

    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()


def _quiet_logs() -> None:
    """Warnings of the jobs run here, one line each, on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_MessageOnly())
    logger = logging.getLogger("iqs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING)
    logger.propagate = False


def _reader_options(settings: Settings, input_format: str | None, language: str | None,
                    encoding: str | None, asr_model: str | None) -> ReaderOptions:
    from pydantic import ValidationError

    from scorer.asr.options import TranscriptionOptions
    from scorer.errors import ConfigError, describe_validation
    from scorer.readers import READERS, ReaderOptions

    if input_format is not None and input_format not in READERS:
        raise ConfigError(f"unknown input format {input_format!r}; choose one of "
                          f"{', '.join(sorted(READERS))}", location="--format")
    try:
        return ReaderOptions(format=input_format, language=language, encoding=encoding,
                             asr=TranscriptionOptions(model=asr_model or settings.asr_model,
                                                      language=language))
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc).replace("\n", "; "),
                          location="options") from exc


def _version(runtime: Runtime, scorecard: str) -> int:
    from api.store.db import transaction
    from api.store.scorecards import add_version, find_version

    path = Path(scorecard)
    with transaction(runtime.sessions) as session:
        if path.suffix.lower() in (".yaml", ".yml") and path.is_file():
            return add_version(session, path.read_text(encoding="utf-8")).id
        return find_version(session, scorecard).id


def _store_files(runtime: Runtime, inputs: list[tuple[Path, str]],
                 ) -> tuple[list[StoredFile], list[tuple[str, str]]]:
    """Copy the files into the file store (by content hash); (stored, [(name, why not)])."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from scorer.errors import IQSError

    stored, unreadable = [], []
    limit = runtime.settings.max_upload_bytes
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True, disable=len(inputs) < 20) as progress:
        task = progress.add_task("copying", total=len(inputs))
        for path, name in inputs:
            try:
                stored.append(runtime.files.put_path(path, name, limit))
            except IQSError as exc:
                unreadable.append((name, exc.message))
            except OSError as exc:
                unreadable.append((name, exc.strerror or str(exc)))
            progress.advance(task)
    return stored, unreadable


def _submit(runtime: Runtime, stored: list[StoredFile], version_id: int,
            options: ReaderOptions) -> str:
    from api.jobs.tasks import submit_ingest
    from api.security import audit
    from api.store.db import transaction

    try:
        job_id = submit_ingest(runtime, stored, version_id, options)
        with transaction(runtime.sessions) as session:  # imports change the store: audited
            audit.record(session, action="cli import", outcome="allowed", role=audit.CLI_ROLE,
                         object_type="job", object_id=job_id, detail={"files": len(stored)})
        return job_id
    except Exception as exc:
        raise _fail(f"the store: {type(exc).__name__}: {exc}") from exc


def _send(runtime: Runtime, queue: JobQueue, job_ids: list[str]) -> None:
    for number, job_id in enumerate(job_ids):
        try:
            queue.send(job_id)
        except Exception as exc:
            _abandon(runtime, job_ids[number:], f"could not send the job to the broker: {exc}")
            raise _fail(f"the broker {runtime.settings.broker_url}: {type(exc).__name__}: "
                        f"{exc}") from exc


def _abandon(runtime: Runtime, job_ids: list[str], error: str) -> None:
    """Fail the jobs nobody has started (so that no worker or server runs them later)."""
    from sqlalchemy import update

    from api.jobs import lifecycle
    from api.store import tables
    from api.store.db import transaction

    if not job_ids:
        return
    try:
        with transaction(runtime.sessions) as session:
            session.execute(update(tables.Job).where(
                tables.Job.id.in_(job_ids), tables.Job.state == lifecycle.QUEUED).values(
                state=lifecycle.FAILED, error=error, finished_at=tables.utcnow()))
    except Exception:
        pass  # the store is away: the jobs stay queued, and are run when a server starts


def _run_here(runtime: Runtime, job_ids: list[str], files: int) -> None:
    """Run the jobs in this process, one after the other (no broker), following their
    progress from the store."""
    from api.jobs.tasks import run_job

    states: dict[str, str] = {}
    stopped: list[BaseException] = []

    def body() -> None:
        for number, job_id in enumerate(job_ids):
            try:
                states[job_id] = run_job(runtime, job_id)
            except Exception as exc:
                stopped.append(exc)
                _abandon(runtime, job_ids[number + 1:], "not started: the import stopped")
                return

    thread = threading.Thread(target=body, name="iqs-import", daemon=True)
    thread.start()
    # Followed to the end unless it stopped here; "skipped": another process (a server's
    # worker threads) took the job first, and it is followed there.
    _follow(runtime, job_ids, files,
            lambda: not thread.is_alive() and "skipped" not in states.values())
    thread.join()
    if stopped:
        exc = stopped[0]
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise _fail(f"the import stopped: {type(exc).__name__}: {first}. {AGAIN}", 1)


def _follow(runtime: Runtime, job_ids: list[str], files: int,
            ended: Callable[[], bool] | None) -> None:
    """A progress bar of the jobs until all are done or failed, or `ended()`."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )
    from sqlalchemy import select

    from api.store import tables

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as progress:
        task = progress.add_task("importing", total=files)
        while True:
            finished = ended is not None and ended()
            try:
                with runtime.sessions() as session:
                    rows = session.execute(select(tables.Job.state, tables.Job.progress_done)
                                           .where(tables.Job.id.in_(job_ids))).all()
                done = sum(row.progress_done for row in rows)
                running = sum(1 for row in rows if row.state == "running")
                progress.update(task, completed=done,
                                description=f"importing ({running} job(s) running)")
                if all(row.state in TERMINAL for row in rows):
                    return
            except Exception:  # the store away for a moment: look again
                pass
            if finished:
                return
            time.sleep(POLL_SECONDS)


def _report_unreadable(unreadable: list[tuple[str, str]]) -> None:
    for name, message in unreadable:
        err.print(f"failed {name}: {message}", markup=False, highlight=False)


def _report(runtime: Runtime, job_ids: list[str], unreadable: list[tuple[str, str]]) -> None:
    """The summary; exits 1 when a file or a job failed."""
    from sqlalchemy import func, select

    from api.store import tables

    ids: set[int] = set()
    failures = list(unreadable)
    files, new, states, errors = 0, 0, [], []
    with runtime.sessions() as session:
        for job_id in job_ids:
            job = session.get(tables.Job, job_id)
            assert job is not None
            ids.update(job.result.get("conversation_ids", []))
            failures += [(f["file"], f["message"]) for f in job.result.get("failures", [])]
            files += job.progress_total
            states.append(job.state)
            if job.error:
                errors.append(job.error.strip().splitlines()[0])
        if job_ids:
            new = session.scalar(select(func.count(func.distinct(
                tables.ScoreRun.conversation_id))).where(
                tables.ScoreRun.job_id.in_(job_ids))) or 0
    done = states.count("done")
    jobs = ("no job" if not job_ids else f"job {job_ids[0]} {states[0]}"
            if len(job_ids) == 1 else f"{done} of {len(job_ids)} jobs done")
    typer.echo(f"imported {len(ids)} conversation(s) from {files} file(s): {new} new, "
               f"{len(ids) - new} already stored; {len(failures)} file(s) failed ({jobs})")
    _report_unreadable(failures)
    for error in dict.fromkeys(errors):
        err.print(f"[bold red]error:[/] a job failed: {escape(error)}", highlight=False)
    if done < len(job_ids):
        unfinished = "failed" if errors else "did not finish"
        err.print(f"[bold red]error:[/] {len(job_ids) - done} job(s) {unfinished}. {AGAIN}",
                  highlight=False)
    if failures or done < len(job_ids) or not job_ids:
        sys.stdout.flush()
        raise typer.Exit(1)
