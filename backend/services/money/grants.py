"""Family mutual aid (家庭共济): grants, their live status, and payer order (R2-R5, R8)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, and_, bindparam, func, or_, union_all
from sqlmodel import Session, select

from backend.clock import CHINA
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.grants import (
    Enrolled,
    GrantStatus,
    Ineligibility,
    PayerChoice,
    cap_room,
    check_monthly_cap,
    check_order,
    default_order,
    ineligibility,
    payable,
    refuse,
)
from backend.domain.pools import OWN_ACCOUNT, grant_pool
from backend.domain.relationships import RelationshipStatus
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.people.family import pair_key
from backend.services.platform import audit
from backend.services.region.limits import LimitName, limit_for
from backend.storage.models import (
    Enrolment,
    Grant,
    PersonalAccount,
    PremiumPayment,
    Relationship,
    SavedPayerOrder,
    SettlementLine,
    SettlementPayment,
)


def _enrolled(s: Session, person_id: uuid.UUID) -> Enrolled | None:
    row = s.get(Enrolment, person_id)
    return Enrolled(row.insurance_type, row.region_code, row.status) if row else None


def _verified(s: Session, a: uuid.UUID, b: uuid.UUID) -> bool:
    row = s.exec(select(Relationship).where(Relationship.pair_key == pair_key(a, b))).first()
    return row is not None and row.status == RelationshipStatus.VERIFIED


def why_ineligible(s: Session, grantor_id: uuid.UUID, grantee_id: uuid.UUID) -> Ineligibility | None:
    return ineligibility(_enrolled(s, grantor_id), s.get(PersonalAccount, grantor_id) is not None,
                         _enrolled(s, grantee_id), verified_near_relative=_verified(s, grantor_id, grantee_id),
                         same_person=grantor_id == grantee_id)


@dataclass(frozen=True)
class GrantState:
    status: GrantStatus
    because: Ineligibility | None = None


def state_of(s: Session, grant: Grant) -> GrantState:
    """Revoked stays revoked; otherwise suspended exactly while R2 or R3 fails (R5)."""
    if grant.status == GrantStatus.REVOKED:
        return GrantState(GrantStatus.REVOKED)
    failure = why_ineligible(s, grant.grantor_id, grant.grantee_id)
    return GrantState(GrantStatus.SUSPENDED, failure) if failure else GrantState(GrantStatus.ACTIVE)


@dataclass(frozen=True)
class GrantToPay:
    grant: Grant
    suspended: bool  # R2 or R3 fails now (R5)


def _grants_with_parties_select(*conditions):
    """Grants (their columns) with all R2 and R3 depend on, in one statement: the grantor's enrolment and
    account balance, the grantee's enrolment, and whether the pair's relationship is verified."""
    g, e, a, r = (m.__table__ for m in (Grant, Enrolment, PersonalAccount, Relationship))
    grantor, grantee = e.alias("grantor_enrolment"), e.alias("grantee_enrolment")
    verified = (select(r.c.id).where(
        or_(and_(r.c.person_id == g.c.grantor_id, r.c.relative_id == g.c.grantee_id),
            and_(r.c.person_id == g.c.grantee_id, r.c.relative_id == g.c.grantor_id)),
        r.c.status == RelationshipStatus.VERIFIED.value).exists())
    return (select(g, grantor.c.person_id.label("grantor_enrolled"), grantor.c.insurance_type.label("grantor_insurance"),
                   grantor.c.region_code.label("grantor_region"), grantor.c.status.label("grantor_status"),
                   grantee.c.person_id.label("grantee_enrolled"), grantee.c.insurance_type.label("grantee_insurance"),
                   grantee.c.region_code.label("grantee_region"), grantee.c.status.label("grantee_status"),
                   a.c.balance_fen.label("grantor_balance"), verified.label("verified"))
            .outerjoin(grantor, grantor.c.person_id == g.c.grantor_id)
            .outerjoin(grantee, grantee.c.person_id == g.c.grantee_id)
            .outerjoin(a, a.c.person_id == g.c.grantor_id)
            .where(*conditions)
            .order_by(g.c.created_at, g.c.id))


# Built once, as the statements of a settlement are: a grantee's unrevoked grants, and grants by id.
GRANTS_TO_PAY = _grants_with_parties_select(Grant.__table__.c.grantee_id == bindparam("grantee_id"),
                                            Grant.__table__.c.status == GrantStatus.ACTIVE.value)
GRANTS_BY_ID = _grants_with_parties_select(Grant.__table__.c.id.in_(bindparam("grant_ids", expanding=True)))


def _failure(row) -> Ineligibility | None:
    """`why_ineligible`, from a row of `_grants_with_parties`."""
    return ineligibility(
        Enrolled(row.grantor_insurance, row.grantor_region, row.grantor_status) if row.grantor_enrolled else None,
        row.grantor_balance is not None,
        Enrolled(row.grantee_insurance, row.grantee_region, row.grantee_status) if row.grantee_enrolled else None,
        verified_near_relative=bool(row.verified), same_person=row.grantor_id == row.grantee_id)


def grants_to_pay(s: Session, grantee_id: uuid.UUID) -> list[GrantToPay]:
    """The grantee's unrevoked grants (rows: id, grantor_id, monthly_cap_fen, allow_medical...), oldest
    first, each with whether it is suspended now, in one statement."""
    rows = s.connection().execute(GRANTS_TO_PAY, {"grantee_id": grantee_id}).all()
    return [GrantToPay(row, _failure(row) is not None) for row in rows]


def month_start(at: datetime) -> datetime:
    local = at.astimezone(CHINA)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def spent_this_month(s: Session, grant_id: uuid.UUID, at: datetime) -> int:
    """What a grant paid since the month began (unrefunded settlement lines and premiums)."""
    since = month_start(at)
    medical = s.exec(
        select(func.coalesce(func.sum(SettlementPayment.amount_fen), 0))
        .join(SettlementLine, SettlementPayment.line_join())
        .where(SettlementPayment.grant_id == grant_id, SettlementLine.refund_id.is_(None),
               SettlementLine.created_at >= since)).one()
    premiums = s.exec(select(func.coalesce(func.sum(PremiumPayment.amount_fen), 0))
                      .where(PremiumPayment.grant_id == grant_id, PremiumPayment.created_at >= since)).one()
    return int(medical) + int(premiums)


def _spent_since_select():
    grant_ids = bindparam("grant_ids", expanding=True)
    since = bindparam("since", type_=DateTime(timezone=True))
    medical = (select(SettlementPayment.grant_id.label("grant_id"), SettlementPayment.amount_fen.label("amount"))
               .join(SettlementLine, SettlementPayment.line_join())
               .where(SettlementPayment.grant_id.in_(grant_ids), SettlementLine.refund_id.is_(None),
                      SettlementLine.created_at >= since))
    premiums = (select(PremiumPayment.grant_id.label("grant_id"), PremiumPayment.amount_fen.label("amount"))
                .where(PremiumPayment.grant_id.in_(grant_ids), PremiumPayment.created_at >= since))
    both = union_all(medical, premiums).subquery()
    return select(both.c.grant_id, func.sum(both.c.amount)).group_by(both.c.grant_id)


SPENT_SINCE = _spent_since_select()  # built once: a capped grant's settlement reads it


def spent_this_month_by_grant(s: Session, grant_ids, at: datetime) -> dict[uuid.UUID, int]:
    """`spent_this_month` for several grants in one statement."""
    if not grant_ids:
        return {}
    spent = dict(s.connection().execute(SPENT_SINCE, {"grant_ids": list(grant_ids), "since": month_start(at)}).all())
    return {grant_id: int(spent.get(grant_id, 0)) for grant_id in grant_ids}


def cap_left(s: Session, grant: Grant, at: datetime) -> int | None:
    if grant.monthly_cap_fen is None:
        return None
    return cap_room(grant.monthly_cap_fen, spent_this_month(s, grant.id, at))


def create_grant(rt: Runtime, actor: Actor, grantee_id: uuid.UUID, *, monthly_cap_fen: int | None = None,
                 allow_medical: bool = True, allow_premium: bool = True) -> Grant:
    grantor_id = actor.principal.id
    check_monthly_cap(monthly_cap_fen)
    now = rt.clock.now()

    def work(s: Session) -> Grant:
        s.get(PersonalAccount, grantor_id, with_for_update=True)  # serialises this grantor's grants (cap)
        failure = why_ineligible(s, grantor_id, grantee_id)
        if failure:
            raise refuse(failure)
        live = s.exec(select(Grant).where(Grant.grantor_id == grantor_id, Grant.status == GrantStatus.ACTIVE)).all()
        if any(g.grantee_id == grantee_id for g in live):
            raise DomainError(ErrorCode.GRANT_EXISTS, field="granteeId")
        cap = limit_for(s, LimitName.GRANTEES_PER_GRANTOR, s.get(Enrolment, grantor_id).region_code)
        if cap is not None and len(live) >= cap:
            raise DomainError(ErrorCode.GRANTEE_LIMIT, field="granteeId", limit=cap)
        grant = Grant(grantor_id=grantor_id, grantee_id=grantee_id, status=GrantStatus.ACTIVE.value,
                      monthly_cap_fen=monthly_cap_fen, allow_medical=allow_medical, allow_premium=allow_premium,
                      created_at=now)
        s.add(grant)
        s.flush()
        audit.record(s, actor, "grant.create", at=now, subject_person_id=grantee_id, grant_id=grant.id,
                     monthly_cap_fen=monthly_cap_fen, allow_medical=allow_medical, allow_premium=allow_premium)
        return grant

    return rt.db.write(work)


def _own_grant(s: Session, actor: Actor, grant_id: uuid.UUID) -> Grant:
    grant = s.get(Grant, grant_id, with_for_update=True)
    if grant is None or grant.grantor_id != actor.principal.id:
        raise DomainError(ErrorCode.NOT_FOUND, field="grantId")
    if grant.status != GrantStatus.ACTIVE:
        raise DomainError(ErrorCode.GRANT_NOT_ACTIVE, field="grantId")
    return grant


def revoke_grant(rt: Runtime, actor: Actor, grant_id: uuid.UUID) -> Grant:
    """Effective at once; what it already paid stays paid."""
    now = rt.clock.now()

    def work(s: Session) -> Grant:
        grant = _own_grant(s, actor, grant_id)
        grant.sqlmodel_update(dict(status=GrantStatus.REVOKED.value, revoked_at=now))
        s.add(grant)
        audit.record(s, actor, "grant.revoke", at=now, subject_person_id=grant.grantee_id, grant_id=grant.id)
        return grant

    return rt.db.write(work)


def set_grant_limits(rt: Runtime, actor: Actor, grant_id: uuid.UUID, *, monthly_cap_fen: int | None,
                     allow_medical: bool | None = None, allow_premium: bool | None = None) -> Grant:
    """Set the monthly cap (None: no cap); an allowed use left as None stays as it is."""
    check_monthly_cap(monthly_cap_fen)
    now = rt.clock.now()

    def work(s: Session) -> Grant:
        grant = _own_grant(s, actor, grant_id)
        grant.monthly_cap_fen = monthly_cap_fen
        if allow_medical is not None:
            grant.allow_medical = allow_medical
        if allow_premium is not None:
            grant.allow_premium = allow_premium
        s.add(grant)
        audit.record(s, actor, "grant.limits", at=now, subject_person_id=grant.grantee_id, grant_id=grant.id,
                     monthly_cap_fen=monthly_cap_fen, allow_medical=grant.allow_medical,
                     allow_premium=grant.allow_premium)
        return grant

    return rt.db.write(work)


def grants_to(s: Session, grantee_id: uuid.UUID) -> list[Grant]:
    """The grantee's unrevoked grants, oldest first (the default payer order)."""
    return list(s.exec(select(Grant).where(Grant.grantee_id == grantee_id, Grant.status == GrantStatus.ACTIVE)
                       .order_by(Grant.created_at, Grant.id)).all())


def allowed_pools(s: Session, person_id: uuid.UUID) -> set[str]:
    own = {OWN_ACCOUNT} if s.get(PersonalAccount, person_id) is not None else set()
    return own | {grant_pool(g.id) for g in grants_to(s, person_id)}


def choice_from_json(text: str | None) -> PayerChoice | None:
    if not text:
        return None
    data = json.loads(text)
    return PayerChoice(order=tuple(data["pools"]), cash_only=bool(data["cash_only"]))


def choice_to_json(choice: PayerChoice) -> str:
    return json.dumps({"pools": list(choice.order), "cash_only": choice.cash_only})


def validated_choice(s: Session, person_id: uuid.UUID, pools: list[str], cash_only: bool) -> PayerChoice:
    return PayerChoice(order=check_order(pools, allowed_pools(s, person_id)), cash_only=cash_only)


def saved_choice(s: Session, person_id: uuid.UUID, unrevoked: list[Grant] | None = None) -> PayerChoice:
    """The person's saved order, or the default: own account, then grants oldest first.

    A saved order lists the pools to use first; grants it does not name follow in the default order
    (so a new grant is never silently ignored); the own account is used only if named.
    """
    unrevoked = grants_to(s, person_id) if unrevoked is None else unrevoked
    return choice_of(s.get(SavedPayerOrder, person_id), s.get(PersonalAccount, person_id) is not None, unrevoked)


def choice_of(row: SavedPayerOrder | None, has_own_account: bool, unrevoked: list[Grant]) -> PayerChoice:
    """`saved_choice` from rows already read."""
    default = default_order(has_own_account, [grant_pool(g.id) for g in unrevoked])
    if row is None:
        return default
    named = tuple(json.loads(row.pools))
    rest = tuple(k for k in default.order if k not in named and k != OWN_ACCOUNT)
    return PayerChoice(order=named + rest, cash_only=row.cash_only)


def set_payer_order(rt: Runtime, actor: Actor, pools: list[str], cash_only: bool) -> PayerChoice:
    """The subject's standing order (R8): leave out "own" to skip the own account."""
    person_id = actor.principal.id
    now = rt.clock.now()

    def work(s: Session) -> PayerChoice:
        choice = validated_choice(s, person_id, pools, cash_only)
        row = s.get(SavedPayerOrder, person_id) or SavedPayerOrder(person_id=person_id, pools="[]", updated_at=now)
        row.sqlmodel_update(dict(pools=json.dumps(list(choice.order)), cash_only=cash_only, updated_at=now))
        s.add(row)
        audit.record(s, actor, "payer_order.set", at=now, subject_person_id=person_id, pools=list(choice.order),
                     cash_only=cash_only)
        return choice

    return rt.db.write(work)


@dataclass(frozen=True)
class GrantView:
    """A grant as it stands now: live status, what it can pay, what it paid this month."""

    grant: Grant
    state: GrantState
    spent_this_month_fen: int
    available_fen: int              # what it can pay now: the grantor's business (it can equal the balance)
    cap_left_fen: int | None        # the cap's headroom this month, when there is a cap
    can_pay_now: bool               # all a grantee learns of the grantor's account


def grant_views(s: Session, grant_ids, at: datetime) -> dict[uuid.UUID, GrantView]:
    """Each grant's view, in two statements whatever their number."""
    rows = s.connection().execute(GRANTS_BY_ID, {"grant_ids": list(grant_ids)}).all()
    spent_by_grant = spent_this_month_by_grant(s, [row.id for row in rows], at)
    out = {}
    for grant in rows:
        if grant.status == GrantStatus.REVOKED:
            state = GrantState(GrantStatus.REVOKED)
        else:
            failure = _failure(grant)
            state = GrantState(GrantStatus.SUSPENDED, failure) if failure else GrantState(GrantStatus.ACTIVE)
        spent = spent_by_grant[grant.id]
        available = 0
        if state.status is GrantStatus.ACTIVE:
            available = payable(grant.grantor_balance or 0, grant.monthly_cap_fen, spent)
        out[grant.id] = GrantView(grant, state, spent, available, cap_room(grant.monthly_cap_fen, spent), available > 0)
    return out
