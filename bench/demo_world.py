"""A benchmark's database: migrated, emptied (PostgreSQL: give it a scratch database), the sample
parameters imported and the demo data seeded."""

from __future__ import annotations

import contextlib
import io
import os

from sqlalchemy import text

from backend import demo
from backend.cli import migrate
from backend.config import Settings, get_settings
from backend.principals import SYSTEM, Actor, Channel
from backend.runtime import Runtime
from backend.services.region import parameters
from backend.storage.db import Database


def seeded_runtime(url: str) -> Runtime:
    """A runtime on `url` holding the sample settlement parameters and the demo data, nothing else (cheap
    password hashing)."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    with contextlib.redirect_stdout(io.StringIO()):
        migrate(None)
    rt = Runtime(db=Database.from_url(url), settings=Settings(database_url=url, secret_key="bench",
                                                              password_time_cost=1, password_memory_cost_kib=1024))
    if rt.db.dialect == "postgresql":
        with rt.db.engine.begin() as c:
            tables = [r[0] for r in c.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                                   "AND tablename <> 'alembic_version'"))]
            c.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    with contextlib.redirect_stdout(io.StringIO()):
        parameters.import_file(rt, Actor(SYSTEM, Channel.CLI), parameters.SAMPLES)  # as `make run` does
        demo.seed(rt)
    return rt
