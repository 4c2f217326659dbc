"""Plain authorization policy: who stands in what relation to whom. No GraphQL, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import Enum

from backend.principals import Principal, StaffRole


class Relation(Enum):
    SELF = "self"
    FAMILY = "family"  # a verified relative, a household co-member, or someone whose code I may show
    KNOWN = "known"    # a claimed (or rejected) relative: each knows the other's name and ID number
    OTHER = "other"


def relation(viewer_id: uuid.UUID | None, person_id: uuid.UUID, family_ids: Collection[uuid.UUID],
             known_ids: Collection[uuid.UUID] = ()) -> Relation:
    if viewer_id is not None and viewer_id == person_id:
        return Relation.SELF
    if person_id in family_ids:
        return Relation.FAMILY
    if person_id in known_ids:
        return Relation.KNOWN
    return Relation.OTHER


def is_clerk_or_admin(principal: Principal) -> bool:
    """Staff who act on records: verify relationships, approve bindings at a counter, reverse settlements.
    Auditors only read."""
    return principal.is_staff and principal.role in (StaffRole.CLERK, StaffRole.ADMIN)


def is_auditor(principal: Principal) -> bool:
    """Staff who read the audit log: auditors, and admins."""
    return principal.is_staff and principal.role in (StaffRole.AUDITOR, StaffRole.ADMIN)


def is_admin(principal: Principal) -> bool:
    return principal.is_staff and principal.role == StaffRole.ADMIN


@dataclass(frozen=True)
class BindingScopes:
    """What an active family-account binding lets its holder see (show_code is always on)."""

    view_insurance: bool
    view_account: bool


def holder_may(held: Mapping[uuid.UUID, BindingScopes], subject_id: uuid.UUID, scope: str | None) -> bool:
    """Whether the viewer holds an active binding over the subject granting this scope (None: any)."""
    scopes = held.get(subject_id)
    return scopes is not None and (scope is None or getattr(scopes, scope))
