"""A PostgreSQL schema of its own per test (the machine's server, database `test`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def pg_schema() -> Iterator[str]:
    """The URL of a new, empty schema, dropped afterwards (over a new connection: some tests
    restart the server); the test is skipped when the server cannot be reached."""
    name = f"iqs_test_{uuid.uuid4().hex[:12]}"
    try:
        _run(f'CREATE SCHEMA "{name}"')
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {SERVER}: {exc}")
    try:
        yield f"{SERVER}?options=-csearch_path%3D{name}"
    finally:
        _run(f'DROP SCHEMA "{name}" CASCADE')


def _run(statement: str) -> None:
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()
