"""Alembic environment: the engine comes from `api.store.db` (config attribute `engine`), or
from IQS settings when Alembic is run by hand."""

from alembic import context
from sqlalchemy import Engine

from api.store.tables import Base

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:
    from api.settings import Settings
    from api.store.db import make_engine

    engine = make_engine(Settings().database)

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
