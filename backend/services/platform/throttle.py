"""Counting failed attempts (password guessing, API-key guessing, claim probing) per key in a fixed window."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection
from sqlmodel import Session, select

from backend.domain.errors import DomainError, ErrorCode
from backend.observability import metrics
from backend.runtime import Runtime
from backend.storage.db import insert_missing, one_of, per_dialect
from backend.storage.models import AttemptCounter


@dataclass(frozen=True)
class Limit:
    failures: int
    window: timedelta


SIGN_IN_PER_ACCOUNT = Limit(5, timedelta(minutes=15))
SIGN_IN_PER_ADDRESS = Limit(50, timedelta(minutes=15))
API_KEY_PER_PREFIX = Limit(10, timedelta(minutes=15))
API_KEY_PER_ADDRESS = Limit(30, timedelta(minutes=15))
CLAIM_MISSES_PER_PERSON = Limit(10, timedelta(hours=1))

Counted = tuple[Limit, str]


_counters = AttemptCounter.__table__
# Built once: every request with an API key reads its counters.
COUNTERS = per_dialect(lambda dialect: select(_counters.c.key, _counters.c.window_start, _counters.c.failures)
                       .where(one_of(_counters.c.key, "keys", dialect)))


def limit_kind(key: str) -> str:
    """A counter key without its subject (`signin:person:<id>` -> `signin:person`), for metrics labels."""
    parts = key.split(":", 2)  # the subject may hold colons itself (an IPv6 address)
    return ":".join(parts[:2]) if len(parts) == 3 else parts[0]


def check(rt: Runtime, limit: Limit, *keys: str) -> None:
    check_each(rt, [(limit, key) for key in keys])


def check_each(rt: Runtime, counted: Iterable[Counted]) -> None:
    """Refuse (TOO_MANY_ATTEMPTS, with `retry_after` in seconds) while any key is at its limit."""
    with rt.db.read_now() as connection:
        check_in(connection, rt, counted)


def check_in(connection: Connection, rt: Runtime, counted: Iterable[Counted]) -> None:
    """`check_each` on the caller's connection, in one statement."""
    refuse(refusals_in(connection, rt, counted))


def refuse(refusals: dict[str, DomainError]) -> None:
    """Raise the first of `refusals_in`'s refusals, if any, and count it."""
    for key, refusal in refusals.items():
        metrics.rate_limited(limit_kind(key))
        raise refusal


def refusals_in(connection: Connection, rt: Runtime, counted: Iterable[Counted]) -> dict[str, DomainError]:
    """The TOO_MANY_ATTEMPTS refusal of each key at its limit (in the order given), in one statement;
    `refuse` raises one."""
    counted = list(counted)
    rows = {row.key: row for row in connection.execute(COUNTERS(connection), {"keys": [key for _, key in counted]})}
    now = rt.clock.now()
    refusals: dict[str, DomainError] = {}
    for limit, key in counted:
        row = rows.get(key)
        if row is None or now >= row.window_start + limit.window:  # none yet, or its window has passed
            continue
        if row.failures >= limit.failures:
            wait = math.ceil((row.window_start + limit.window - now).total_seconds())
            refusals[key] = DomainError(ErrorCode.TOO_MANY_ATTEMPTS, minutes=max(1, math.ceil(wait / 60)),
                                        retry_after=max(1, wait))
    return refusals


def failed(rt: Runtime, limit: Limit, *keys: str) -> None:
    failed_each(rt, [(limit, key) for key in keys])


def failed_each(rt: Runtime, counted: Iterable[Counted]) -> None:
    now = rt.clock.now()
    counted = sorted(counted, key=lambda c: c[1])  # rows locked in one order, so two writers cannot deadlock

    def work(s: Session) -> None:
        for limit, key in counted:
            insert_missing(s, AttemptCounter, key=key, window_start=now, failures=0)
            row = s.get(AttemptCounter, key, with_for_update=True, populate_existing=True)
            if now >= row.window_start + limit.window:
                row.window_start, row.failures = now, 0
            row.failures += 1
            s.add(row)

    rt.db.write(work)


def clear(rt: Runtime, *keys: str) -> None:
    def work(s: Session) -> None:
        for key in keys:
            row = s.get(AttemptCounter, key)
            if row is not None:
                s.delete(row)

    rt.db.write(work)
