"""Relay global ids: base64 of "Type:uuid", opaque to callers."""

from __future__ import annotations

import uuid

import strawberry
from strawberry.relay import GlobalID
from strawberry.relay.utils import to_base64

from backend.domain.errors import DomainError, ErrorCode


def to_global_id(type_name: str, key: uuid.UUID) -> strawberry.ID:
    # `str(GlobalID(...))` encodes the same; a page shows dozens of ids, so skip building the object.
    return strawberry.ID(to_base64(type_name, key))


def from_global_id(value: str, expected: str | None = None) -> tuple[str, uuid.UUID] | None:
    """(type name, key), or None for anything malformed or of another type than `expected`."""
    try:
        gid = GlobalID.from_id(value)
        key = uuid.UUID(gid.node_id)
    except Exception:  # noqa: BLE001 - any malformed id is simply "not found"
        return None
    if expected and gid.type_name != expected:
        return None
    return gid.type_name, key


def key_of(value: str, type_name: str, field: str) -> uuid.UUID:
    """The key of an id given as input; a malformed or foreign id is NOT_FOUND on that field."""
    decoded = from_global_id(value, type_name)
    if decoded is None:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    return decoded[1]
