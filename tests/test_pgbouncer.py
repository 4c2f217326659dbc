"""Why DATABASE_TRANSACTION_POOLING exists: through pgbouncer in transaction pooling mode, psycopg's
automatic prepared statements meet server connections that other clients prepared on (or never saw)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from backend.storage.db import create_db_engine

pytestmark = pytest.mark.pooler


def _errors_from_busy_clients(url: str, transaction_pooling: bool) -> list[str]:
    """More clients than pgbouncer has server connections (32 against `default_pool_size = 20`), each running
    one query forty times, a transaction each (psycopg prepares it on the fifth), so every server connection
    serves several clients; the first error of each client that failed. (With eight clients the mix was left
    to chance: a quiet pool could give each client a server connection of its own, and no error.)"""
    engine = create_db_engine(url, transaction_pooling=transaction_pooling)
    errors: list[str] = []

    def client() -> None:
        try:
            for _ in range(40):
                with engine.begin() as conn:
                    conn.execute(text("SELECT count(*) FROM pg_class WHERE relname = :name"), {"name": "x"}).scalar()
        except Exception as exc:  # noqa: BLE001  (collected, asserted below)
            errors.append(str(exc).splitlines()[0])

    threads = [threading.Thread(target=client) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    return errors


def test_prepared_statements_are_off_when_pooled_and_must_be(pg_bouncer):
    assert _errors_from_busy_clients(pg_bouncer.url(), transaction_pooling=True) == []
    # The same clients with psycopg's default (prepare after 5 executions) fail through pgbouncer.
    errors = _errors_from_busy_clients(pg_bouncer.url(), transaction_pooling=False)
    assert errors and all("prepared statement" in e for e in errors)


def test_the_serializable_pool_starts_its_connections_serializable(pg_bouncer):
    for serializable, level in ((False, "read committed"), (True, "serializable")):
        engine = create_db_engine(pg_bouncer.url(serializable=serializable), transaction_pooling=True)
        with engine.connect() as conn:
            assert conn.execute(text("SHOW transaction_isolation")).scalar_one() == level
        engine.dispose()
