"""The migrations build exactly the tables the models declare (what `alembic check` checks)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from backend.storage.models import compared_with_models  # also registers the tables


def test_models_and_migrations_agree(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                               "include_object": compared_with_models})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()
