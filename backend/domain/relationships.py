"""The life of a claimed relationship: claimed, then verified by staff or rejected (R1)."""

from __future__ import annotations

from enum import StrEnum


class RelationshipStatus(StrEnum):
    CLAIMED = "claimed"
    VERIFIED = "verified"
    REJECTED = "rejected"


class VerificationMethod(StrEnum):
    REGISTRY = "registry"    # household-registration (户籍) check
    DOCUMENTS = "documents"  # papers shown at a counter
