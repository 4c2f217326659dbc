"""Plain authorization policy: who stands in what relation to whom. No GraphQL, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from enum import Enum

from backend.principals import StaffRole


class Relation(Enum):
    SELF = "self"
    FAMILY = "family"  # a claimed or verified relative, or a household co-member
    OTHER = "other"


def relation(viewer_id: uuid.UUID | None, person_id: uuid.UUID, family_ids: Collection[uuid.UUID]) -> Relation:
    if viewer_id is not None and viewer_id == person_id:
        return Relation.SELF
    if person_id in family_ids:
        return Relation.FAMILY
    return Relation.OTHER


def staff_may_decide_relationships(role: str | None) -> bool:
    """Clerks and admins verify relationships; auditors only read."""
    return role in (StaffRole.CLERK, StaffRole.ADMIN)
