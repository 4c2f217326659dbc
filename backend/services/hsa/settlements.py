"""A settlement as the gateway reports it (2207 replayed, 2208, 2103, 2601): the settlement row, what each
pool paid of the lines refunded by one refund or of all its lines, and the subject's insurance type."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from backend.domain.errors import DomainError, ErrorCode
from backend.runtime import Runtime
from backend.storage.models import (
    Enrolment,
    HsaMessage,
    HsaVisit,
    Institution,
    PersonalAccount,
    Settlement,
    SettlementLine,
    SettlementPayment,
)


@dataclass(frozen=True)
class Reported:
    settlement: Settlement
    insurance_type: str | None
    # over the lines chosen: bill, fund, deductible, copay, B self-pay-first, List C, non-medical, cash
    sums: dict[str, int]
    payments: dict[str, int]  # pool key -> fen


FIELDS = ("amount_fen", "fund_fen", "deductible_fen", "copay_fen", "b_self_first_fen", "self_pay_fen",
          "non_medical_fen", "cash_fen", "overlmt_selfpay_fen")


def reported(rt: Runtime, institution_id: uuid.UUID, settlement_id: uuid.UUID,
             refund_id: uuid.UUID | None = None) -> Reported:
    """The partner's own settlement (NOT_FOUND otherwise), summed over all its lines, or over the lines
    one refund returned."""
    line = SettlementLine
    with rt.db.read() as s:
        settlement = s.get(Settlement, settlement_id)
        if settlement is None or settlement.institution_id != institution_id:
            raise DomainError(ErrorCode.NOT_FOUND, field="setl_id")
        where = [line.settlement_id == settlement_id]
        if refund_id is not None:
            where.append(line.refund_id == refund_id)
        sums = s.exec(select(*[func.coalesce(func.sum(getattr(line, f)), 0) for f in FIELDS]).where(*where)).one()
        paid = s.exec(select(SettlementPayment.pool, func.sum(SettlementPayment.amount_fen))
                      .join(line, line.id == SettlementPayment.line_id).where(*where)
                      .group_by(SettlementPayment.pool)).all()
        enrolment = s.get(Enrolment, settlement.subject_id)
    return Reported(settlement, enrolment.insurance_type if enrolment else None,
                    {f: int(v) for f, v in zip(FIELDS, sums, strict=True)}, {pool: int(v) for pool, v in paid})


def institution_code_in(s: Session, institution_id: uuid.UUID) -> str | None:
    return s.exec(select(Institution.institution_code).where(Institution.id == institution_id)).first()


def balance_in(s: Session, person_id: uuid.UUID) -> int | None:
    """The person's own account balance as the caller's transaction sees it (after a settlement's debit)."""
    account = s.get(PersonalAccount, person_id)
    return account.balance_fen if account else None


@dataclass(frozen=True)
class WireRefs:
    subject_id: uuid.UUID
    mdtrt_id: str | None  # the 2201 visit it settled, if any
    msgid: str | None     # the gateway message that made it, if one did


def wire_refs(rt: Runtime, institution_id: uuid.UUID, settlement_ids: list[uuid.UUID]) -> dict[uuid.UUID, WireRefs]:
    """For a 3202 result file: each of the partner's settlements' subject, visit and msgid (three statements)."""
    if not settlement_ids:
        return {}
    with rt.db.read() as s:
        subjects = dict(s.exec(select(Settlement.id, Settlement.subject_id).where(
            Settlement.id.in_(settlement_ids), Settlement.institution_id == institution_id)).all())
        visits = dict(s.exec(select(HsaVisit.settlement_id, HsaVisit.mdtrt_id).where(
            HsaVisit.settlement_id.in_(list(subjects)))).all())
        sent = dict(s.exec(select(HsaMessage.settlement_id, HsaMessage.msgid).where(
            HsaMessage.settlement_id.in_(list(subjects)), HsaMessage.kept, HsaMessage.infno.in_(("2207", "2102")))).all())
    return {sid: WireRefs(subject, visits.get(sid), sent.get(sid)) for sid, subject in subjects.items()}
