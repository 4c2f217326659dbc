"""Pooled connections on PostgreSQL: one left idle is pinged before use, and replaced when the server closed
it; one used moments ago is not pinged (a round trip saved per transaction)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from backend.storage import db as storage

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _pid(rt) -> int:
    with rt.db.read() as s:
        return s.connection().execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_closed_by_the_server_while_idle_is_replaced(rt, monkeypatch):
    monkeypatch.setattr(storage, "PING_AFTER_IDLE_SECONDS", 0.0)
    first = _pid(rt)
    other = create_engine(rt.db.engine.url, poolclass=NullPool)  # not the pool's: it would lend the first again
    with other.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    other.dispose()
    assert _pid(rt) != first  # pinged, found closed, replaced: the read did not fail
    assert rt.db.write(lambda s: s.connection().execute(text("SELECT 1")).scalar_one()) == 1


def test_a_connection_used_moments_ago_is_not_pinged(rt, monkeypatch):
    pings: list[object] = []
    monkeypatch.setattr(rt.db.engine.dialect, "do_ping", lambda connection: pings.append(connection) or True)
    statements: list[str] = []
    event.listen(rt.db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    _pid(rt)
    _pid(rt)
    assert pings == [] and len(statements) == 2
    monkeypatch.setattr(storage, "PING_AFTER_IDLE_SECONDS", 0.0)
    _pid(rt)
    assert len(pings) == 1
