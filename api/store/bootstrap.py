"""Making a store ready to serve: a new embedded SQLite store is created; any other store must
already be at the latest schema (`iqs db upgrade`); the bundled scorecards are registered."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from api.store.db import check_schema, transaction, upgrade
from api.store.scorecards import register_bundled


def prepare_store(engine: Engine, sessions: sessionmaker[Session], scorecard_dir: Path) -> None:
    if engine.dialect.name == "sqlite" and not inspect(engine).get_table_names():
        upgrade(engine)
    check_schema(engine)
    with transaction(sessions) as session:
        register_bundled(session, scorecard_dir)
