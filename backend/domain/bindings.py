"""Family-account bindings (R9): who may bind whom, and how the bound person consents."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import age_on

ADULT_AGE = 18


class BindingStatus(StrEnum):
    PENDING = "pending"    # waiting for the adult bound person's consent
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"


class ConsentMethod(StrEnum):
    GUARDIAN = "guardian"            # a verified parent binding a minor child: no consent needed
    SELF_APPROVAL = "self_approval"  # sandbox: the bound person approves from their own login
    STAFF_COUNTER = "staff_counter"  # staff verified the bound person at a counter
    FACE = "face"                    # production: a face-verification vendor


LIVE = (BindingStatus.PENDING, BindingStatus.ACTIVE)


def is_minor(birth_date: date, today: date) -> bool:
    return age_on(birth_date, today) < ADULT_AGE


def guardian_decides(consent_via: str | None, subject_born: date, today: date) -> bool:
    """A guardian decides a binding's scopes only while the child is a minor; then the person does."""
    return consent_via == ConsentMethod.GUARDIAN and is_minor(subject_born, today)


def check_request(*, holder_is_subject: bool, subject_voucher_active: bool, related: bool,
                  subject_minor: bool, holder_is_verified_parent: bool) -> BindingStatus:
    """The status a new binding starts in, or the rule that refuses it."""
    if holder_is_subject:
        raise DomainError(ErrorCode.BIND_SELF, field="subjectId")
    # Relationship first: a stranger learns nothing about the person (voucher, age) from the refusal.
    if not related:
        raise DomainError(ErrorCode.NOT_FAMILY, field="subjectId")
    if subject_minor and not holder_is_verified_parent:
        raise DomainError(ErrorCode.MINOR_NEEDS_GUARDIAN, field="subjectId")
    if not subject_voucher_active:
        raise DomainError(ErrorCode.VOUCHER_NOT_ACTIVATED, field="subjectId")
    return BindingStatus.ACTIVE if subject_minor else BindingStatus.PENDING


def check_guardian(*, subject_minor: bool, actor_is_verified_parent: bool) -> None:
    """A guardian acts for a minor child (activating the child's e-voucher): a verified parent, while
    the child is a minor. A stranger learns nothing (age, existence) from the refusal: one code for all."""
    if not (subject_minor and actor_is_verified_parent):
        raise DomainError(ErrorCode.NOT_GUARDIAN, field="personId")
