"""Is the database at the migrations' head? For /readyz: the head is read from the migration files once."""

from __future__ import annotations

from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from backend.config import PROJECT_ROOT
from backend.storage.db import Database


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


def current_revisions(db: Database) -> frozenset[str]:
    """The revisions the database says it is at (empty when it was never migrated); one small query."""
    with db.engine.connect() as conn:
        try:
            return frozenset(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))
        except (OperationalError, ProgrammingError):  # no alembic_version table: never migrated
            conn.rollback()
            return frozenset()
