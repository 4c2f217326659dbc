"""Consent to a family-account binding (R9), behind one interface so a face-verification vendor
can replace the sandbox without touching the use cases."""

from __future__ import annotations

from typing import Protocol

from backend.domain.bindings import ConsentMethod
from backend.domain.errors import DomainError, ErrorCode
from backend.policy import is_clerk_or_admin
from backend.principals import Actor
from backend.storage.models import Binding


class ConsentVerifier(Protocol):
    def verify(self, binding: Binding, actor: Actor, evidence: str | None) -> ConsentMethod:
        """How the bound person's consent was proven, or raise CONSENT_NOT_VERIFIED."""


class SandboxConsent:
    """The sandbox form of face verification: the bound person approves from their own login, or a
    clerk who has seen them at a counter approves for them. Evidence is not needed."""

    def verify(self, binding: Binding, actor: Actor, evidence: str | None) -> ConsentMethod:
        principal = actor.principal
        if principal.is_household and principal.id == binding.subject_id:
            return ConsentMethod.SELF_APPROVAL
        if is_clerk_or_admin(principal):
            return ConsentMethod.STAFF_COUNTER
        raise DomainError(ErrorCode.CONSENT_NOT_VERIFIED, field="bindingId")
