"""Pools that pay a personal burden (R8): the subject's own personal account, or one grant.

Inside the service a pool is a plain string key: "own", or "grant:<grant uuid>". This module is the
only place that builds or reads those keys.
"""

from __future__ import annotations

import uuid

OWN_ACCOUNT = "own"
_GRANT_PREFIX = "grant:"


def grant_pool(grant_id: uuid.UUID) -> str:
    return f"{_GRANT_PREFIX}{grant_id}"


def grant_of(pool: str) -> uuid.UUID | None:
    """The grant a pool key names; None for the own account."""
    if pool == OWN_ACCOUNT:
        return None
    if not pool.startswith(_GRANT_PREFIX):
        raise ValueError(f"not a pool key: {pool!r}")
    return uuid.UUID(pool[len(_GRANT_PREFIX):])
