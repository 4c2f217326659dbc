"""Injected time and randomness, so expiry and codes are testable."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

# China keeps one time zone and no daylight saving: months and service dates begin at its midnight.
CHINA = timezone(timedelta(hours=8))


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)


class TokenSource(Protocol):
    def token_bytes(self, nbytes: int) -> bytes: ...


class SecretsTokenSource:
    def token_bytes(self, nbytes: int) -> bytes:
        return secrets.token_bytes(nbytes)
