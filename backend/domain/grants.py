"""Family mutual aid (家庭共济): who may grant to whom (R2, R3), what a grant is now and may still pay this
month (R5: the monthly cap), payer order (R8)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend.domain.errors import N_, DomainError, ErrorCode, Msg
from backend.domain.insurance import InsuranceStatus, InsuranceType
from backend.domain.money import yuan
from backend.domain.pools import OWN_ACCOUNT
from backend.domain.regions import in_jinan, in_shandong


class GrantStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # derived: R2 or R3 stopped holding; resumes by itself
    REVOKED = "revoked"


@dataclass(frozen=True)
class Enrolled:
    insurance_type: str
    region_code: str
    status: str


@dataclass(frozen=True)
class Ineligibility:
    rule: str    # "R2" or "R3"
    reason: str  # a gettext id


def ineligibility(grantor: Enrolled | None, grantor_has_account: bool, grantee: Enrolled | None, *,
                  verified_near_relative: bool, same_person: bool) -> Ineligibility | None:
    """The first rule a grant fails, or None when R2 and R3 both hold."""
    if grantor is None or grantor.insurance_type != InsuranceType.EMPLOYEE or not grantor_has_account:
        return Ineligibility("R2", N_("the grantor must have employee insurance with a personal account"))
    if not in_jinan(grantor.region_code):
        return Ineligibility("R2", N_("the grantor must be insured in Jinan"))
    if grantor.status != InsuranceStatus.ACTIVE:
        return Ineligibility("R2", N_("the grantor's insurance must be active"))
    if same_person:
        return Ineligibility("R3", N_("a grantor cannot be their own grantee"))
    # The relationship first: a refusal must not tell a stranger anything about the person's insurance.
    if not verified_near_relative:
        return Ineligibility("R3", N_("the grantee must be a near relative, verified by staff"))
    if grantee is None or not in_shandong(grantee.region_code):
        return Ineligibility("R3", N_("the grantee must be insured in Shandong"))
    if grantee.status != InsuranceStatus.ACTIVE:
        return Ineligibility("R3", N_("the grantee's insurance must be active"))
    return None


def refuse(failure: Ineligibility) -> DomainError:
    return DomainError(ErrorCode.NOT_ELIGIBLE, field="granteeId", rule=failure.rule, reason=Msg(failure.reason))


MONTHLY_CAP_MAX_FEN = 100_000_000  # the largest monthly cap a grantor may set: one million yuan


def check_monthly_cap(monthly_cap_fen: int | None) -> None:
    """A grantor's monthly cap: none, or 1 fen to one million yuan."""
    if monthly_cap_fen is not None and not 0 < monthly_cap_fen <= MONTHLY_CAP_MAX_FEN:
        raise DomainError(ErrorCode.INVALID_INPUT, field="monthlyCapFen",
                          reason=Msg(N_("a monthly cap is from 0.01 to 1,000,000 yuan, or none")))


def cap_room(monthly_cap_fen: int | None, spent_this_month_fen: int) -> int | None:
    """What the cap still lets a grant pay this month (never below zero); None when it has no cap."""
    return None if monthly_cap_fen is None else max(0, monthly_cap_fen - spent_this_month_fen)


def payable(balance_fen: int, monthly_cap_fen: int | None, spent_this_month_fen: int) -> int:
    """What a grant can pay now: the grantor's balance, within the cap's headroom when there is a cap."""
    room = cap_room(monthly_cap_fen, spent_this_month_fen)
    return balance_fen if room is None else min(balance_fen, room)


def require_within_cap(room_fen: int | None, amount_fen: int) -> None:
    """A payment the grant must make whole (a premium) fits the cap's headroom, or is refused."""
    if room_fen is not None and room_fen < amount_fen:
        raise DomainError(ErrorCode.MONTHLY_CAP_EXCEEDED, field="granteeId", left=yuan(room_fen),
                          needed=yuan(amount_fen))


@dataclass(frozen=True)
class PayerChoice:
    """The subject's order of pools (R8): `order` names "own" and "grant:<id>" keys; cash comes last."""

    order: tuple[str, ...]
    cash_only: bool = False


def default_order(has_own_account: bool, grant_keys: list[str]) -> PayerChoice:
    return PayerChoice(order=((OWN_ACCOUNT,) if has_own_account else ()) + tuple(grant_keys))


def check_order(keys: list[str], allowed: set[str]) -> tuple[str, ...]:
    """A chosen order may name the own account and the subject's grants, each at most once."""
    if len(set(keys)) != len(keys) or not set(keys) <= allowed:
        raise DomainError(ErrorCode.BAD_PAYER_ORDER, field="order")
    return tuple(keys)
