"""When a partner API key works: not revoked, and not past the grace period a rotation gave it.

One test, used by sign-in with a key, by partner sessions (which end with their key) and by the admin's
actions on keys, so a key revoked or past its grace stops everywhere on the next request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from backend.storage.models import ApiKey


def live_key(now: datetime) -> ColumnElement[bool]:
    """SQL: this `ApiKey` row still opens the graph."""
    return and_(ApiKey.revoked_at.is_(None), or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now))


def is_live(key: ApiKey, now: datetime) -> bool:
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now)
