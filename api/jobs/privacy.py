"""Personal data at ingestion (issue 8): conversations are redacted before they are scored or
stored, a call's recording is served from a copy with the redacted words silenced, and once a
job has stored its files their uploads are deleted, or kept encrypted when the settings or the
scorecard ask for it. With `IQS_REDACT=false` all of this is off and uploads are kept as sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select

from api.jobs import lifecycle
from api.jobs.runtime import Runtime
from api.store import tables
from api.store.db import transaction
from api.store.files import StoredFile
from scorer.asr.silence import write_silenced
from scorer.errors import IQSError

if TYPE_CHECKING:
    from api.jobs.tasks import ReadFile

log = logging.getLogger("iqs.privacy")
PLAIN, ENCRYPTED, DELETED = "plain", "encrypted", "deleted"


def redact_read(runtime: Runtime, read: ReadFile) -> ReadFile:
    """The file's conversations redacted (the customer's name from metadata is used to find
    it, and not stored); the time spans to silence in its recording."""
    redactor = runtime.redactor
    if redactor is None or read.error is not None:
        return read
    conversations, counts, silence = [], [], []
    for conversation in read.conversations:
        redaction = redactor.redact(conversation)
        conversations.append(redaction.conversation.model_copy(update={"customer_name": None}))
        counts.append(dict(redaction.counts))
        silence.extend(redaction.silence)
    return replace(read, conversations=conversations, redactions=counts, silence=silence)


def served_audio(runtime: Runtime, read: ReadFile) -> str:
    """The recording the service will serve for the file's call: with redaction on, a FLAC
    copy with the redacted words silenced (also when nothing was redacted, so that the upload
    itself can go); without it, the upload."""
    if runtime.redactor is None:
        return read.file.path
    relative = f"{read.file.sha256[:2]}/{read.file.sha256}.redacted.flac"
    target = runtime.files.path(relative)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        write_silenced(runtime.files.path(read.file.path), target, read.silence)
    return relative


def keeps_originals(runtime: Runtime, version_id: int) -> bool:
    if runtime.settings.keep_originals:
        return True
    with runtime.sessions() as session:
        version = session.get(tables.ScorecardVersion, version_id)
        return version is not None and runtime.scorer(version).scorecard.keep_originals


def settle_uploads(runtime: Runtime, job_id: str, files: Iterable[StoredFile],
                   keep: bool) -> None:
    """After a job: delete each of its uploads (or encrypt it when `keep`), unless another
    unfinished job still has to read the same bytes. Idempotent: an interrupted call is
    finished by the next."""
    if runtime.redactor is None:
        return
    if keep and runtime.settings.originals_key is None:
        raise IQSError("this scorecard keeps originals, but IQS_ORIGINALS_KEY is not set: "
                       "originals are kept only encrypted", location="IQS_ORIGINALS_KEY")
    pending = _needed_elsewhere(runtime, job_id)
    for file in files:
        if file.sha256 not in pending:
            _settle(runtime, file, keep)


def _needed_elsewhere(runtime: Runtime, job_id: str) -> set[str]:
    with runtime.sessions() as session:
        payloads = session.scalars(select(tables.Job.payload).where(
            tables.Job.state.in_((lifecycle.QUEUED, lifecycle.RUNNING)),
            tables.Job.id != job_id))
        return {f["sha256"] for payload in payloads for f in payload.get("files", [])}


def _settle(runtime: Runtime, file: StoredFile, keep: bool) -> None:
    # The file system changes before the row: a crash in between leaves a row saying "plain"
    # for a file already gone or encrypted, which the next call tidies up; never a plain file
    # that the row says is gone.
    with transaction(runtime.sessions) as session:
        source = session.get(tables.SourceFile, file.sha256)
        if source is not None and source.original != PLAIN:
            return
        if keep:
            key = runtime.settings.originals_key
            assert key is not None
            path: str | None = runtime.files.encrypt(file.path, key.get_secret_value().encode())
        else:
            runtime.files.delete(file.path)
            path = None
        if source is not None:
            source.path, source.original = path, ENCRYPTED if keep else DELETED
    log.debug("upload %s: %s", file.name, "encrypted" if keep else "deleted")
