"""The task functions: plain Python taking a job id and a runtime. The embedded worker threads
and the Celery workers only call `run_job`; tests call it too.

Every step is idempotent, so a job taken over from a dead worker finishes once: a file already
ingested is skipped, a conversation is stored once (content key), and it gets one score run per
job and scorecard version (a unique constraint)."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.jobs import lifecycle, privacy
from api.jobs.lifecycle import JobInterrupted
from api.jobs.rescore import rescore
from api.jobs.runtime import Runtime
from api.store import records, tables
from api.store.db import transaction
from api.store.files import StoredFile
from scorer.asr.audio import probe
from scorer.conversation import Conversation
from scorer.errors import CompanionFileError, IQSError
from scorer.readers import READERS, ReaderOptions, known_extensions, read_file
from scorer.scoring import ConversationScore

log = logging.getLogger("iqs.jobs")
INGEST, RESCORE, TRAIN = "ingest", "rescore", "train"
STORE_ATTEMPTS = 3
CALL_METADATA = (".yaml", ".yml")
"""`<call>.yaml` beside a recording: read by the audio reader with its call."""


Scored = tuple[ConversationScore, float, dict[str, Any]]
"""A score, the seconds it took, the model versions behind it."""


@dataclass
class ReadFile:
    """One file of an ingest job, read: its conversations, or why it could not be."""

    file: StoredFile
    conversations: list[Conversation]
    error: str | None = None
    redactions: list[dict[str, int]] = field(default_factory=list)
    """Per conversation: personal data redacted, by kind."""
    silence: list[tuple[float, float]] = field(default_factory=list)
    """Spans of the recording whose words were redacted."""


def ingest_payload(files: list[StoredFile], version_id: int,
                   options: ReaderOptions) -> dict[str, Any]:
    return {"files": [{"sha256": f.sha256, "name": f.name, "size": f.size, "path": f.path}
                      for f in files],
            "scorecard_version_id": version_id,
            "options": options.model_dump(mode="json")}


def run_job(runtime: Runtime, job_id: str) -> str:
    """Run the job if this worker can claim it; the job's state afterwards ("skipped" when
    another worker has it or it is finished)."""
    worker, lease = runtime.worker_name, runtime.settings.job_lease_seconds
    if not lifecycle.claim(runtime.sessions, job_id, worker, lease):
        return "skipped"
    with runtime.sessions() as session:
        job = session.get(tables.Job, job_id)
        assert job is not None
        kind, payload = job.kind, dict(job.payload)
    log.info("job %s (%s) started by %s", job_id, kind, worker)
    try:
        with lifecycle.heartbeat(runtime.sessions, job_id, worker, lease) as lost:
            if kind == INGEST:
                _ingest(runtime, job_id, payload, lost)
            elif kind == RESCORE:
                rescore(runtime, job_id, payload, lost)
            elif kind == TRAIN:
                # Loads the training code (scikit-learn, the encoders): only where it runs.
                from api.jobs.training import train_from_reviews

                train_from_reviews(runtime, job_id, payload, lost)
            else:
                raise IQSError(f"unknown job kind {kind!r}", location=f"job {job_id}")
    except JobInterrupted:
        log.warning("job %s: lease lost, left to the worker that took it", job_id)
        return "skipped"
    except Exception as exc:
        if isinstance(exc, IQSError):  # bad input, said in the job's error: no traceback
            log.warning("job %s failed: %s", job_id, exc)
        else:
            log.exception("job %s failed", job_id)
        with transaction(runtime.sessions) as session:
            lifecycle.finish(session, job_id, lifecycle.FAILED, f"{type(exc).__name__}: {exc}")
        return lifecycle.FAILED
    with transaction(runtime.sessions) as session:
        lifecycle.finish(session, job_id, lifecycle.DONE)
    log.info("job %s done", job_id)
    return lifecycle.DONE


# --- ingestion -------------------------------------------------------------------------------

@contextmanager
def laid_out(runtime: Runtime, files: list[StoredFile]) -> Iterator[Path]:
    """A temporary folder with each file under its own (relative) name, so that readers find
    the files beside it: a call's `.yaml`, Harper Valley's `metadata/`."""
    with tempfile.TemporaryDirectory(prefix="iqs-ingest-") as folder:
        root = Path(folder)
        for file in files:
            target = root / file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(runtime.files.path(file.path).resolve())
        yield root


def read_files(runtime: Runtime, files: list[StoredFile],
               options: ReaderOptions) -> Iterator[ReadFile]:
    """Read each file of the batch that holds conversations. Companions (a call's `.yaml`,
    Harper Valley's metadata) are read with the file they belong to, not on their own; a file
    of no known type is a failure."""
    known = known_extensions()
    with laid_out(runtime, files) as root:
        for file in sorted(files, key=lambda f: f.name):
            suffix = Path(file.name).suffix.lower()
            if suffix in CALL_METADATA:
                continue
            if suffix not in known and options.format is None:
                yield ReadFile(file, [], f"{file.name}: unsupported file type "
                                         f"{suffix or '(no extension)'!r}; known: "
                                         f"{', '.join(sorted(known))}")
                continue
            too_long = _over_duration(runtime, root / file.name, file.name)
            if too_long is not None:
                yield ReadFile(file, [], too_long)
                continue
            try:
                conversations = read_file(root / file.name, options)
            except CompanionFileError:
                continue
            except IQSError as exc:
                yield ReadFile(file, [], _relative(str(exc), root))
                continue
            nul = next((c.id for c in conversations if "\\u0000" in c.model_dump_json()), None)
            if nul is not None:  # PostgreSQL keeps no NUL in text: refuse it by name
                yield ReadFile(file, [], f"{file.name}: conversation {nul!r} contains a NUL "
                                         "character (\\u0000)")
                continue
            yield ReadFile(file, [c.model_copy(update={"source": file.name})
                                  for c in conversations])


def _over_duration(runtime: Runtime, path: Path, name: str) -> str | None:
    """Why a recording is refused unheard: longer than IQS_MAX_AUDIO_SECONDS (an unreadable
    file is left to the reader, which says why)."""
    if not _is_audio(name):
        return None
    cap = runtime.settings.max_audio_seconds
    try:
        seconds = probe(path).declared_duration
    except IQSError:
        return None
    if seconds is None or seconds <= cap:
        return None
    return (f"{name}: the recording lasts {seconds / 60:.1f} min, over the limit of "
            f"{cap / 60:.1f} min (IQS_MAX_AUDIO_SECONDS)")


def _relative(message: str, root: Path) -> str:
    return message.replace(f"{root}/", "").replace(str(root), "")


def ingest_files(runtime: Runtime, files: list[StoredFile], version_id: int,
                 options: ReaderOptions, job_id: str | None = None) -> Iterator[ReadFile]:
    """Read, store and score each file in turn; yields what each file gave."""
    for read in read_files(runtime, files, options):
        if read.error is None:
            store_file(runtime, read, version_id, job_id, options)
        yield read


def store_file(runtime: Runtime, read: ReadFile, version_id: int, job_id: str | None,
               options: ReaderOptions) -> list[int]:
    """Store a file's conversations and score the new ones, in one transaction: a file is
    stored whole or not at all. Returns the conversation ids."""
    audio = _is_audio(read.file.name)
    read = privacy.redact_read(runtime, read)
    scores = _score_missing(runtime, read, version_id, job_id,
                            options.asr.model if audio else None)
    audio_path = privacy.served_audio(runtime, read) if audio else None
    for attempt in range(STORE_ATTEMPTS):
        try:
            return _store_read(runtime, read, version_id, job_id, audio_path, scores)
        except IntegrityError:
            # Another job stored the same file at the same moment (two imports of one folder
            # on two workers): read again, its rows are there now and are not stored twice.
            if attempt == STORE_ATTEMPTS - 1:
                raise
            log.info("%s: stored concurrently by another job; looking again", read.file.name)
    raise AssertionError("unreachable")


def _store_read(runtime: Runtime, read: ReadFile, version_id: int, job_id: str | None,
                audio_path: str | None, scores: dict[int, Scored]) -> list[int]:
    with transaction(runtime.sessions) as session:
        source = session.get(tables.SourceFile, read.file.sha256)
        if source is None:
            source = tables.SourceFile(sha256=read.file.sha256, filename=read.file.name,
                                       size=read.file.size, path=read.file.path)
            session.add(source)
            session.flush()
        ids = []
        for index, conversation in enumerate(read.conversations):
            scored = scores.get(index)
            if scored is not None and conversation.language is None:
                # Stored with the language it was scored in, so that filters find it.
                conversation = conversation.model_copy(update={"language": scored[0].language})
            row, _ = records.store_conversation(
                session, conversation, records.conversation_key(read.file.sha256, index),
                source, audio_path=audio_path,
                redactions=read.redactions[index] if read.redactions else None)
            ids.append(row.id)
            if scored is not None and not records.has_run(session, row.id, version_id):
                score, seconds, models = scored
                records.store_score(session, row.id, version_id, score, job_id, seconds, models)
        return ids


def _is_audio(name: str) -> bool:
    return Path(name).suffix.lower() in READERS["audio"].extensions


def _score_missing(runtime: Runtime, read: ReadFile, version_id: int, job_id: str | None,
                   asr_model: str | None) -> dict[int, Scored]:
    """Scores of the file's conversations that have no run yet (scored outside any write
    transaction: scoring takes seconds, writers should not wait on it)."""
    with runtime.sessions() as session:
        version = session.get(tables.ScorecardVersion, version_id)
        if version is None:
            raise IQSError(f"scorecard version {version_id} not found", location="scorecard")
        todo = []
        for index, _ in enumerate(read.conversations):
            key = records.conversation_key(read.file.sha256, index)
            row_id = session.scalar(select(tables.Conversation.id)
                                    .where(tables.Conversation.key == key))
            # Ingesting a file again adds no run: a stored score stands until a rescore.
            if row_id is None or not records.has_run(session, row_id, version_id):
                todo.append(index)
        scorer = runtime.scorer(version)
    extra = {"asr": asr_model} if asr_model else {}
    results = {}
    with runtime.scoring:
        started = time.perf_counter()
        scored = list(scorer.score_many(read.conversations[i] for i in todo))
        each = (time.perf_counter() - started) / max(1, len(todo))
    for index, score in zip(todo, scored, strict=True):
        results[index] = (score, each, records.models_used(score, extra))
    return results


def _ingest(runtime: Runtime, job_id: str, payload: dict[str, Any],
            lost: Any) -> None:
    files = [StoredFile(f["sha256"], f["name"], f["size"], f["path"]) for f in payload["files"]]
    options = ReaderOptions.model_validate(payload["options"])
    version_id = int(payload["scorecard_version_id"])
    with runtime.sessions() as session:
        job = session.get(tables.Job, job_id)
        assert job is not None
        done = set(job.result.get("files_done", []))
    pending = [f for f in files if f.name not in done]
    stored = already_stored(runtime, pending, version_id)
    for file in pending:
        if file.sha256 in stored:  # imported before: not read (nor transcribed) again
            _progress(runtime, job_id, file.name, stored[file.sha256], None)
    pending = [f for f in pending if f.sha256 not in stored]
    gone = _stored_meanwhile(runtime, pending, version_id)
    for file in pending:
        if file.sha256 in gone:
            _progress(runtime, job_id, file.name, gone[file.sha256], None)
    pending = [f for f in pending if f.sha256 not in gone]
    for read in read_files(runtime, pending, options):
        if lost.is_set():
            raise JobInterrupted(job_id)
        ids = store_file(runtime, read, version_id, job_id, options) if read.error is None else []
        _progress(runtime, job_id, read.file.name, ids, read.error)
    _settle_skipped(runtime, job_id, [f.name for f in files])
    privacy.settle_uploads(runtime, job_id, files, privacy.keeps_originals(runtime, version_id))


def already_stored(runtime: Runtime, files: list[StoredFile],
                   version_id: int) -> dict[str, list[int]]:
    """The files whose conversations are all stored and scored under the version (a file's
    conversations are stored together): sha256 -> conversation ids."""
    shas = sorted({f.sha256 for f in files})
    found: dict[str, list[int]] = {}
    complete: dict[str, bool] = {}
    scored = select(tables.ScoreRun.id).where(
        tables.ScoreRun.conversation_id == tables.Conversation.id,
        tables.ScoreRun.scorecard_version_id == version_id).exists()
    with runtime.sessions() as session:
        for start in range(0, len(shas), 500):
            for sha, row_id, has_run in session.execute(
                    select(tables.Conversation.source_sha256, tables.Conversation.id, scored)
                    .where(tables.Conversation.source_sha256.in_(shas[start:start + 500]))):
                key = str(sha)
                found.setdefault(key, []).append(row_id)
                complete[key] = complete.get(key, True) and bool(has_run)
    return {sha: sorted(ids) for sha, ids in found.items() if complete[sha]}


def _stored_meanwhile(runtime: Runtime, files: list[StoredFile],
                      version_id: int) -> dict[str, list[int]]:
    """Uploads already gone because another job with the same bytes stored and deleted them
    since this job looked: taken as stored when they are."""
    missing = [f for f in files if not runtime.files.path(f.path).exists()]
    return already_stored(runtime, missing, version_id) if missing else {}


def _progress(runtime: Runtime, job_id: str, name: str, ids: list[int],
              error: str | None) -> None:
    with transaction(runtime.sessions) as session:
        job = session.get(tables.Job, job_id)
        assert job is not None
        result = dict(job.result)
        result["files_done"] = [*result.get("files_done", []), name]
        result["conversation_ids"] = sorted({*result.get("conversation_ids", []), *ids})
        if error is not None:
            result["failures"] = [*result.get("failures", []), {"file": name, "message": error}]
        job.result = result
        job.progress_done = len(result["files_done"])


def _settle_skipped(runtime: Runtime, job_id: str, names: list[str]) -> None:
    """Companion files (metadata, call yaml) count as done once their batch is read."""
    with transaction(runtime.sessions) as session:
        job = session.get(tables.Job, job_id)
        assert job is not None
        job.result = {**job.result, "files_done": names}
        job.progress_done = len(names)


def submit_ingest(runtime: Runtime, files: list[StoredFile], version_id: int,
                  options: ReaderOptions, key_id: str | None = None) -> str:
    """Queue an ingest job for the files, owned by `key_id`; its id (the caller sends it to
    the executor)."""
    with transaction(runtime.sessions) as session:
        job = lifecycle.create_job(session, INGEST, ingest_payload(files, version_id, options),
                                   len(files), key_id)
        return job.id


def ingest_now(runtime: Runtime, reads: list[ReadFile], version_id: int,
               options: ReaderOptions, key_id: str | None = None) -> tuple[str, list[int]]:
    """Store and score files already read, within the caller (small text batches); recorded
    as a finished job like any other ingestion. (job id, conversation ids)."""
    files = [read.file for read in reads]
    job_id = submit_ingest(runtime, files, version_id, options, key_id)
    lifecycle.claim(runtime.sessions, job_id, runtime.worker_name,
                    runtime.settings.job_lease_seconds)
    ids: list[int] = []
    try:
        for read in reads:
            stored = store_file(runtime, read, version_id, job_id, options)
            _progress(runtime, job_id, read.file.name, stored, None)
            ids.extend(stored)
        privacy.settle_uploads(runtime, job_id, files,
                               privacy.keeps_originals(runtime, version_id))
    except Exception as exc:
        with transaction(runtime.sessions) as session:
            lifecycle.finish(session, job_id, lifecycle.FAILED, f"{type(exc).__name__}: {exc}")
        raise
    with transaction(runtime.sessions) as session:
        lifecycle.finish(session, job_id, lifecycle.DONE)
    return job_id, ids
