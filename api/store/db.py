"""Engines, sessions and the schema's version: `upgrade` runs the Alembic migrations, and
`check_schema` refuses a database whose schema is not the latest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from scorer.errors import ConfigError

SQLITE_IMMEDIATE = "iqs_sqlite_immediate"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MAX_OVERFLOW = 50
"""The server runs up to 40 request functions at once (AnyIO's thread pool), and a request may
hold a connection while it waits for a thread (a dependency's session, then its endpoint). A
pool that can open more connections than there are threads never leaves every thread waiting
for a connection held by a request queued for a thread; connections beyond `pool_size` are
closed when returned."""


class SchemaError(ConfigError):
    """The database's schema is missing or older than this version of IQS."""


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder, foreign keys, WAL and a busy wait
    (worker threads and processes write at the same time)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=MAX_OVERFLOW)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                           pool_size=5, max_overflow=MAX_OVERFLOW)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
        # SQLAlchemy emits BEGIN itself (below), not the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A transaction that reads, then writes, while another process writes gets "database
        # is locked" at once, without waiting out the busy timeout; writers therefore take the
        # write lock when they begin (and wait for it), readers begin as usual.
        immediate = connection.get_execution_options().get(SQLITE_IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed together, or not at all (on SQLite it holds the
    write lock from its start, so concurrent writers wait for each other)."""
    with sessions() as session, session.begin():
        session.connection(execution_options={SQLITE_IMMEDIATE: True})
        yield session


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://"))).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (creating it in an empty database)."""
    command.upgrade(_alembic_config(engine), revision)


def check_schema(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        state = "has no IQS schema" if current is None else f"is at schema {current}"
        raise SchemaError(f"the database {state}; this IQS needs {head}: run `iqs db upgrade`",
                          location=where)
