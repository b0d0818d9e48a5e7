"""`iqs reviews export --out FILE`: the store's reviews as labelled transcripts (what
`GET /v1/reviews/export` streams), for `iqs train --data FILE`. Registered in `scorer/cli.py`;
audited as a read of personal data."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from api.cli import store

reviews_app = typer.Typer(help="People's reviews in the store.", no_args_is_help=True)


@reviews_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="the labelled-transcripts file "
                                                          "(.jsonl) to write")],
    scorecard: Annotated[str, typer.Option(help="whose reviews")] = "default",
    version: Annotated[int | None, typer.Option(help="default: the latest")] = None,
) -> None:
    """Each conversation's latest review under the scorecard version as one labelled
    transcript (training/LABELLED_TRANSCRIPTS.md); reviews that give no labels are left out."""
    from api.security import audit
    from api.store.db import transaction
    from api.store.queries.filters import EVERYTHING
    from api.store.queries.training_data import labelled_lines
    from api.store.scorecards import find_version

    with store() as runtime:
        handle, temporary = tempfile.mkstemp(dir=out.resolve().parent, prefix=".reviews-")
        count = 0
        try:
            with runtime.sessions() as session, os.fdopen(handle, "w",
                                                          encoding="utf-8") as target:
                chosen = find_version(session, scorecard, version)
                for _, line in labelled_lines(session, chosen, EVERYTHING):
                    target.write(json.dumps(line, ensure_ascii=False) + "\n")
                    count += 1
            os.replace(temporary, out)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        with transaction(runtime.sessions) as session:
            audit.record(session, action="cli reviews export", outcome=audit.ALLOWED,
                         role=audit.CLI_ROLE, object_type="scorecard", object_id=scorecard,
                         detail={"version": chosen.version, "lines": count})
    typer.echo(f"{count} reviewed conversations → {out}")
