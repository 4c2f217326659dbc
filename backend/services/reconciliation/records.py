"""Every read reconciliation makes of the settlement and refund tables, in one module.

Settlements and refunds are changing on other branches (catalogue columns, refund records): what a
settlement's parts are, which insurance type it was settled under, and what a refund gave back are
decided here and nowhere else in `services/reconciliation/`.

- A settlement's **personal-account part** is what its pools paid (own account and mutual aid):
  bill − fund − cash (cash being the part beyond the pools plus non-medical goods).
- Its **insurance type** is its subject's enrolment's (the settlement row does not record it).
- Its **refunded flag** is its status: partly refunded or refunded (by the institution or reversed by staff).
- A **refund or reversal** gives back its lines' parts (lines marked with its id).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Table, and_, exists, func, literal, null, select, type_coerce, union_all
from sqlalchemy.engine import Connection

from backend.domain.reconciliation import Figures, Side
from backend.storage.models import IdempotencyKey, Person, Refund, Settlement, SettlementLine

_s = Settlement.__table__
_r = Refund.__table__
_l = SettlementLine.__table__
_p = Person.__table__
_k = IdempotencyKey.__table__

SETTLED = "settled"  # a settlement's status before any refund


def _account(table):
    """What the pools paid: the bill (a line's amount) less the fund's part and cash."""
    whole = table.c.bill_fen if table is _s else table.c.amount_fen
    return whole - table.c.fund_fen - table.c.cash_fen


def _figures(row) -> Figures:
    return Figures(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0))


def _of_key(institution_id: uuid.UUID, insurance_type: str, visit_type: str):
    return and_(_s.c.institution_id == institution_id, _s.c.visit_type == visit_type,
                _s.c.insurance_type == insurance_type)


def settled(conn: Connection, institution_id: uuid.UUID, start: datetime, end: datetime, insurance_type: str,
            visit_type: str) -> Figures:
    """The institution's settlements made in [start, end) of one insurance type and visit type, as settled."""
    query = (select(func.count(), func.sum(_s.c.bill_fen), func.sum(_s.c.fund_fen), func.sum(_account(_s)))
             .where(_of_key(institution_id, insurance_type, visit_type),
                    _s.c.created_at >= start, _s.c.created_at < end))
    return _figures(conn.execute(query).one())


def refunded(conn: Connection, institution_id: uuid.UUID, start: datetime, end: datetime, insurance_type: str,
             visit_type: str) -> Figures:
    """Refunds and reversals made in [start, end) of the institution's settlements of that key (whenever
    those were made): how many, and the parts their lines gave back."""
    lines = _l.join(_s, and_(_l.c.settlement_id == _s.c.id, _l.c.created_at == _s.c.created_at))
    query = (select(func.count(func.distinct(_r.c.id)), func.sum(_l.c.amount_fen), func.sum(_l.c.fund_fen),
                    func.sum(_account(_l)))
             .select_from(_r.join(lines, _l.c.refund_id == _r.c.id))
             .where(_of_key(institution_id, insurance_type, visit_type),
                    _r.c.created_at >= start, _r.c.created_at < end))
    return _figures(conn.execute(query).one())


class Compared(NamedTuple):
    """One row of the detail join: the service's side (None where it lacks the settlement in the range)
    and the partner's (None where the file lacks it)."""

    settlement_id: uuid.UUID
    ours: Side | None
    theirs: Side | None
    visit_id: str | None      # ours (the partner's idempotency key of the settle request) or the file's
    person_name: str | None   # the subject's name (masked by the caller), ours only
    person: str | None        # the file's
    elsewhere_at: datetime | None  # for a row only the partner has: when the institution made it, on another day
    row: int | None


def compare(conn: Connection, stage: Table, institution_id: uuid.UUID, start: datetime,
            end: datetime) -> list[Compared]:
    """The institution's settlements made in [start, end) beside the staged rows of the partner's file, in
    one statement: the service's side left-joined to the file, then the file's rows the service lacks in
    the range (with the day, when the institution made that settlement on another day)."""
    t = stage.c
    mine = and_(_s.c.institution_id == institution_id, _s.c.created_at >= start, _s.c.created_at < end)
    ours = (select(_s.c.id.label("settlement_id"), literal(True).label("has_ours"), _s.c.bill_fen.label("o_bill"),
                   _s.c.fund_fen.label("o_fund"), _account(_s).label("o_account"),
                   (_s.c.status != SETTLED).label("o_refunded"), t.row_no.is_not(None).label("has_theirs"),
                   t.bill_fen.label("t_bill"), t.fund_fen.label("t_fund"), t.account_fen.label("t_account"),
                   t.refunded.label("t_refunded"), func.coalesce(_k.c.key, t.visit_id).label("visit_id"),
                   _p.c.name.label("person_name"), t.person.label("person"),
                   type_coerce(null(), _s.c.created_at.type).label("elsewhere_at"),
                   t.row_no.label("row_no"), _s.c.created_at.label("sort_at"))
            .select_from(_s.join(_p, _p.c.id == _s.c.subject_id).outerjoin(stage, t.settlement_id == _s.c.id)
                         .outerjoin(_k, and_(_k.c.partner_id == _s.c.institution_id, _k.c.result_id == _s.c.id,
                                             _k.c.operation == "settle")))
            .where(mine))
    elsewhere = _s.alias("elsewhere")
    theirs = (select(t.settlement_id, literal(False), null(), null(), null(), null(), literal(True), t.bill_fen,
                     t.fund_fen, t.account_fen, t.refunded, t.visit_id, null(), t.person,
                     elsewhere.c.created_at, t.row_no, null())
              .select_from(stage.outerjoin(elsewhere, and_(elsewhere.c.id == t.settlement_id,
                                                          elsewhere.c.institution_id == institution_id)))
              .where(~exists().where(_s.c.id == t.settlement_id, mine)))
    both = union_all(ours, theirs).subquery()
    # The service's settlements in the order made, then the file's other rows in file order; the order is
    # the database's work, and `sort_at` is not read back.
    query = (select(*[c for c in both.c if c.name != "sort_at"])
             .order_by(both.c.has_ours.desc(), both.c.sort_at, both.c.row_no))
    return [Compared(r[0], Side(r[2], r[3], r[4], bool(r[5])) if r[1] else None,
                     Side(r[7], r[8], r[9], r[10]) if r[6] else None, r[11], r[12], r[13], r[14], r[15])
            for r in conn.execute(query).fetchall()]


def plain_read(conn: Connection, institution_id: uuid.UUID, start: datetime, end: datetime) -> int:
    """The baseline the benchmark prints beside a detail reconciliation: the same settlements read plainly."""
    rows = conn.execute(select(_s.c.id, _s.c.bill_fen, _s.c.fund_fen, _account(_s), _s.c.status)
                        .where(_s.c.institution_id == institution_id, _s.c.created_at >= start,
                               _s.c.created_at < end))
    return sum(1 for _ in rows)


