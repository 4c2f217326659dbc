"""The migrations build exactly the tables the models declare (what `alembic check` checks)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import backend.storage.models  # noqa: F401  (registers the tables)
from backend.storage.partitions import compared


def test_models_and_migrations_agree(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            # A month's partition is the partitioned table's storage, not a table of its own.
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": compared})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()
