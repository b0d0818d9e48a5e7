"""The store's schema: migrations and models agree on SQLite and PostgreSQL, and a server on a
store that is not at the latest schema refuses to start and says what to run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from api.store.db import SchemaError, check_schema, current_revision, head_revision, make_engine
from api.store.db import upgrade as upgrade_schema
from api.store.tables import Base
from tests.api.pg import pg_schema
from tests.api.serving import REPO, free_port


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'iqs.db'}"
    else:
        with pg_schema() as url:
            yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_latest_migration_matches_the_models(engine: Engine) -> None:
    upgrade_schema(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    check_schema(engine)


def test_an_empty_or_old_store_is_refused_with_the_command_to_run(engine: Engine) -> None:
    with pytest.raises(SchemaError, match=r"has no IQS schema.*iqs db upgrade"):
        check_schema(engine)
    upgrade_schema(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaError, match="is at schema 0000; this IQS needs"):
        check_schema(engine)


def test_serve_refuses_to_start_on_an_old_schema(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    engine.dispose()
    env = {**os.environ, "IQS_HOME": str(tmp_path), "IQS_DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "scorer.cli", "serve", "--port",
                           str(free_port())], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "run `iqs db upgrade`" in done.stdout + done.stderr
