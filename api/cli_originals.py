"""`iqs originals new-key|get`: the encryption key for kept originals, and reading one back
(for an investigation or a dispute: only on the machine that holds the key). Registered in
`scorer/cli.py`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from api.cli_ops import _fail, _settings

originals_app = typer.Typer(help="Uploads kept encrypted (IQS_KEEP_ORIGINALS or a scorecard's "
                                 "keep_originals): make a key, read one back.",
                            no_args_is_help=True)


@originals_app.command("new-key")
def new_key() -> None:
    """Print a new key for IQS_ORIGINALS_KEY. Keep it apart from the store: whoever has both
    can read the originals; without it they cannot be read by anyone."""
    from cryptography.fernet import Fernet

    typer.echo(Fernet.generate_key().decode())


@originals_app.command("get")
def get(
    sha256: Annotated[str, typer.Argument(help="the upload's content hash (sha256)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="where to write the original")],
) -> None:
    """Decrypt a kept original into a file."""
    from sqlalchemy import select

    from api.jobs.runtime import Runtime
    from api.security import audit
    from api.store import tables
    from api.store.db import transaction
    from scorer.errors import IQSError

    settings = _settings()
    if settings.originals_key is None:
        raise _fail("IQS_ORIGINALS_KEY is not set: the key the originals were kept with")
    runtime = Runtime(settings)
    with runtime.sessions() as session:
        source = session.scalar(select(tables.SourceFile).where(
            tables.SourceFile.sha256 == sha256.lower()))
    if source is None:
        raise _fail(f"no upload with sha256 {sha256} in the store")
    if source.original != "encrypted" or source.path is None:
        raise _fail(f"{source.filename}: its original was not kept ({source.original})")
    handle, temporary = tempfile.mkstemp(dir=out.resolve().parent, prefix=".original-")
    outcome = "failed"
    try:
        with os.fdopen(handle, "wb") as target:
            for block in runtime.files.decrypt(source.path,
                                               settings.originals_key.get_secret_value().encode()):
                target.write(block)
        os.replace(temporary, out)
        outcome = "allowed"
    except IQSError as exc:
        raise _fail(str(exc)) from exc
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
        with transaction(runtime.sessions) as session:  # reading an original is always audited
            audit.record(session, action="cli originals get", outcome=outcome,
                         role=audit.CLI_ROLE, object_type="source_file",
                         object_id=source.sha256, detail={"file": source.filename})
    typer.echo(f"{source.filename} → {out}")
