"""A grantor pays a grantee's resident premium from the personal account (R12)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.clock import CHINA
from backend.domain.errors import N_, DomainError, ErrorCode, Msg
from backend.domain.grants import GrantStatus, refuse, require_within_cap
from backend.domain.insurance import InsuranceType
from backend.domain.regions import in_shandong
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.money import ledger
from backend.services.money.grants import cap_left, state_of
from backend.services.platform import audit
from backend.services.region.parameters import in_force
from backend.storage.models import Enrolment, Grant, PremiumPayment


def pay_premium(rt: Runtime, actor: Actor, grantee_id: uuid.UUID, year: int) -> PremiumPayment:
    grantor_id = actor.principal.id
    now = rt.clock.now()

    def work(s: Session) -> PremiumPayment:
        grant = s.exec(select(Grant).where(Grant.grantor_id == grantor_id, Grant.grantee_id == grantee_id,
                                           Grant.status == GrantStatus.ACTIVE.value)).first()
        if grant is None or not grant.allow_premium:
            raise DomainError(ErrorCode.GRANT_NOT_ACTIVE, field="granteeId")
        state = state_of(s, grant)
        if state.status is not GrantStatus.ACTIVE:
            raise refuse(state.because)
        enrolment = s.get(Enrolment, grantee_id)
        if enrolment.insurance_type != InsuranceType.RESIDENT or not in_shandong(enrolment.region_code):
            raise DomainError(ErrorCode.PREMIUM_NOT_RESIDENT, field="granteeId")
        this_year = now.astimezone(CHINA).year
        if not this_year - 1 <= year <= this_year + 1:
            raise DomainError(ErrorCode.INVALID_INPUT, field="year",
                              reason=Msg(N_("a premium can be paid for last year, this year or next year")))
        # The premium for year Y is the one in force on 1 January of Y for the grantee's region.
        amount = in_force(s, enrolment.region_code, date(year, 1, 1), field="year").params.premium_fen
        ledger.lock_accounts(s, [grantor_id])
        if s.exec(select(PremiumPayment).where(PremiumPayment.person_id == grantee_id,
                                               PremiumPayment.year == year)).first():
            raise DomainError(ErrorCode.PREMIUM_ALREADY_PAID, field="year", year=year)
        require_within_cap(cap_left(s, grant, now), amount)
        payment = PremiumPayment(person_id=grantee_id, year=year, payer_id=grantor_id, grant_id=grant.id,
                                 amount_fen=amount, created_at=now)
        s.add(payment)
        s.flush()
        ledger.record(s, "premium", payment.id, now, [ledger.Movement(
            ledger.personal(grantor_id), ledger.premium(enrolment.region_code, year), amount,
            source_person=grantor_id)])
        audit.record(s, actor, "premium.pay", at=now, subject_person_id=grantee_id, year=year, amount_fen=amount,
                     grant_id=grant.id)
        return payment

    try:
        return rt.db.write(work)
    except IntegrityError:
        # Two grantors paying the same year at once: the unique (person, year) row decides who paid.
        raise DomainError(ErrorCode.PREMIUM_ALREADY_PAID, field="year", year=year) from None
