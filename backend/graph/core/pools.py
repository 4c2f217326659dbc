"""Pools as callers see them: "own", or the paying Grant's global id (inside: backend.domain.pools keys)."""

from __future__ import annotations

from backend.domain.pools import OWN_ACCOUNT, grant_of, grant_pool
from backend.graph.core.ids import key_of, to_global_id


def public_pool(pool: str) -> str:
    grant_id = grant_of(pool)
    return OWN_ACCOUNT if grant_id is None else to_global_id("Grant", grant_id)


def pool_from_input(value: str, field: str = "pools") -> str:
    return OWN_ACCOUNT if value == OWN_ACCOUNT else grant_pool(key_of(value, "Grant", field))
