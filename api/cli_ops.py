"""The service's operations on the command line: `iqs worker` (a Celery worker) and `iqs db
upgrade|current` (the store's schema), and what the service's commands share (errors,
settings); `iqs import` is in api/cli_import.py. Registered in `scorer/cli.py`; heavy imports
stay inside the commands, so `iqs score` starts as fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from api.settings import Settings

err = Console(stderr=True, soft_wrap=True)

db_app = typer.Typer(help="The store's schema: upgrade it, or show its version.",
                     no_args_is_help=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def _settings() -> Settings:
    from pydantic import ValidationError

    from api.settings import Settings
    from scorer.errors import describe_validation

    try:
        return Settings()
    except ValidationError as exc:
        raise _fail("settings: " + describe_validation(exc).replace("\n", "; ")) from exc


# --- iqs worker ------------------------------------------------------------------------------

def worker(
    concurrency: Annotated[int, typer.Option(
        min=1, help="jobs run at once, each in its own process with its own loaded models")] = 1,
    queues: Annotated[str | None, typer.Option(
        help="comma-separated queues to take jobs from; default: IQS_QUEUE")] = None,
    loglevel: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING, ...")] = "INFO",
) -> None:
    """Run jobs from the broker (IQS_BROKER_URL) against the store (IQS_DATABASE_URL): a
    Celery worker that keeps its models loaded. Start one per machine, or several."""
    from api.jobs.worker import run_worker
    from scorer.errors import IQSError

    settings = _settings()
    names = [q.strip() for q in queues.split(",") if q.strip()] if queues else None
    try:
        code = run_worker(settings, concurrency, names, loglevel.upper())
    except IQSError as exc:
        raise _fail(str(exc)) from exc
    except Exception as exc:  # the store unreachable, and the like
        raise _fail(f"{type(exc).__name__}: {exc}") from exc
    raise typer.Exit(code)


# --- iqs db ----------------------------------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="target revision")] = "head",
) -> None:
    """Create the store's tables, or bring them to this version of IQS (Alembic migrations)."""
    from api.store.db import current_revision, make_engine, upgrade

    settings = _settings()
    engine = make_engine(settings.database)
    where = engine.url.render_as_string(hide_password=True)
    try:
        before = current_revision(engine)
        upgrade(engine, revision)
        after = current_revision(engine)
    except Exception as exc:
        raise _fail(f"{where}: {type(exc).__name__}: {exc}") from exc
    finally:
        engine.dispose()
    typer.echo(f"{where}: schema {after}" + ("" if before == after else
                                             f" (was {before or 'empty'})"))


@db_app.command("current")
def db_current() -> None:
    """The store's schema version and the one this IQS needs."""
    from api.store.db import current_revision, head_revision, make_engine

    settings = _settings()
    engine = make_engine(settings.database)
    where = engine.url.render_as_string(hide_password=True)
    try:
        current = current_revision(engine)
    except Exception as exc:
        raise _fail(f"{where}: {type(exc).__name__}: {exc}") from exc
    finally:
        engine.dispose()
    head = head_revision()
    state = "up to date" if current == head else f"needs `iqs db upgrade` to {head}"
    typer.echo(f"{where}: schema {current or '(none)'}, {state}")
    if current != head:
        raise typer.Exit(1)
