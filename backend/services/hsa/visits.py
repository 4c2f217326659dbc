"""What the gateway keeps between messages: 9001 sign-ins (one number per partner, operator and China-time
day), 2201 visits (`mdtrt_id`), their 2204 fee detail (`chrg_bchno`, lines in fen as JSON) and the
settlement 2207 made of a visit. Each function runs inside the transaction that claims the message's
msgid (`messages.once`), so it is written once per msgid."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from backend.clock import CHINA
from backend.domain.errors import DomainError, ErrorCode
from backend.runtime import Runtime
from backend.storage.models import HsaSignIn, HsaVisit


def _serial(rt: Runtime, prefix: str, at: datetime) -> str:
    """prefix + China-time yyyyMMdd + 16 random base32 characters: unguessable, 26 or so characters."""
    noise = base64.b32encode(rt.tokens.token_bytes(10)).decode("ascii")
    return f"{prefix}{at.astimezone(CHINA):%Y%m%d}{noise}"


def sign_in(s: Session, rt: Runtime, partner_id: uuid.UUID, opter: str) -> HsaSignIn:
    """The operator's sign-in number for today (China time): the same number all day, signed in again
    if they signed out."""
    now = rt.clock.now()
    day = now.astimezone(CHINA).date()
    row = s.exec(select(HsaSignIn).where(HsaSignIn.partner_id == partner_id, HsaSignIn.opter == opter,
                                         HsaSignIn.day == day).with_for_update()).first()
    if row is None:
        row = HsaSignIn(sign_no=_serial(rt, "S", now), partner_id=partner_id, opter=opter, day=day,
                        signed_in_at=now)
    row.signed_out_at = None
    s.add(row)
    s.flush()
    return row


def sign_out(s: Session, rt: Runtime, partner_id: uuid.UUID, sign_no: str) -> HsaSignIn:
    row = s.get(HsaSignIn, sign_no, with_for_update=True)
    if row is None or row.partner_id != partner_id:
        raise DomainError(ErrorCode.NOT_FOUND, field="sign_no")
    if row.signed_out_at is not None:
        raise DomainError(ErrorCode.NO_CHANGE, field="sign_no")
    row.signed_out_at = rt.clock.now()
    s.add(row)
    return row


def require_signed_in(rt: Runtime, partner_id: uuid.UUID, sign_no: str) -> None:
    """A settlement message that names a sign_no: it must be this partner's, today's, and not signed out."""
    with rt.db.read() as s:
        row = s.get(HsaSignIn, sign_no)
    today = rt.clock.now().astimezone(CHINA).date()
    if row is None or row.partner_id != partner_id or row.signed_out_at is not None or row.day != today:
        raise DomainError(ErrorCode.NOT_FOUND, field="sign_no")


@dataclass(frozen=True)
class NewVisit:
    psn_no: str
    med_type: str
    insutype: str
    begntime: datetime


def register_visit(s: Session, rt: Runtime, partner_id: uuid.UUID, visit: NewVisit) -> HsaVisit:
    now = rt.clock.now()
    row = HsaVisit(mdtrt_id=_serial(rt, "M", now), partner_id=partner_id, psn_no=visit.psn_no,
                   med_type=visit.med_type, insutype=visit.insutype, begntime=visit.begntime, created_at=now)
    s.add(row)
    s.flush()
    return row


def _own_visit(s: Session, partner_id: uuid.UUID, mdtrt_id: str, *, lock: bool) -> HsaVisit:
    row = s.get(HsaVisit, mdtrt_id, with_for_update=lock)
    if row is None or row.partner_id != partner_id or row.cancelled_at is not None:
        raise DomainError(ErrorCode.NOT_FOUND, field="mdtrt_id")
    return row


def upload_fees(s: Session, partner_id: uuid.UUID, mdtrt_id: str, psn_no: str, chrg_bchno: str,
                lines_json: str) -> HsaVisit:
    """One fee batch per visit, until it is settled or the batch is reversed (2601)."""
    row = _own_visit(s, partner_id, mdtrt_id, lock=True)
    if row.psn_no != psn_no:
        raise DomainError(ErrorCode.INVALID_INPUT, field="psn_no")
    if row.settlement_id is not None or row.chrg_bchno is not None:
        raise DomainError(ErrorCode.NO_CHANGE, field="chrg_bchno")
    row.chrg_bchno, row.fee_lines = chrg_bchno, lines_json
    s.add(row)
    return row


def remove_fees(s: Session, partner_id: uuid.UUID, chrg_bchno: str) -> None:
    """2601 of a 2204: the visit's fee batch is withdrawn, unless the visit was settled."""
    row = s.exec(select(HsaVisit).where(HsaVisit.partner_id == partner_id, HsaVisit.chrg_bchno == chrg_bchno,
                                        HsaVisit.cancelled_at.is_(None)).with_for_update()).first()
    if row is None or row.settlement_id is not None:
        raise DomainError(ErrorCode.NO_CHANGE, field="omsgid")
    row.chrg_bchno, row.fee_lines = None, None
    s.add(row)


def cancel_visit(s: Session, rt: Runtime, partner_id: uuid.UUID, mdtrt_id: str) -> None:
    row = _own_visit(s, partner_id, mdtrt_id, lock=True)
    if row.settlement_id is not None:
        raise DomainError(ErrorCode.NO_CHANGE, field="omsgid")
    row.cancelled_at = rt.clock.now()
    s.add(row)


def visit_to_settle(rt: Runtime, partner_id: uuid.UUID, mdtrt_id: str, chrg_bchno: str) -> HsaVisit:
    """The visit and its fee batch as 2206/2207 name them (not settled yet)."""
    with rt.db.read() as s:
        row = _own_visit(s, partner_id, mdtrt_id, lock=False)
    if row.chrg_bchno is None or row.chrg_bchno != chrg_bchno:
        raise DomainError(ErrorCode.NOT_FOUND, field="chrg_bchno")
    if row.settlement_id is not None:
        raise DomainError(ErrorCode.NO_CHANGE, field="mdtrt_id")
    return row


def mark_settled(s: Session, mdtrt_id: str, settlement_id: uuid.UUID) -> None:
    """With 2207's log row: the visit names its settlement (reconciliation's mdtrt_id). Set once."""
    table = HsaVisit.__table__
    s.connection().execute(update(table).where(table.c.mdtrt_id == mdtrt_id, table.c.settlement_id.is_(None))
                           .values(settlement_id=settlement_id))


def visit_of_settlement(rt: Runtime, settlement_id: uuid.UUID) -> HsaVisit | None:
    with rt.db.read() as s:
        return s.exec(select(HsaVisit).where(HsaVisit.settlement_id == settlement_id)).first()
