"""The money invariants (R7, R13, R14), checked on a live database: what `yibao verify-ledger` runs.

Each invariant is one set-based query that returns the rows breaking it, so the check costs a few
aggregate scans however large the ledger grows. All of them read one snapshot (REPEATABLE READ on
PostgreSQL, one read transaction on SQLite): a settlement committing while the check runs is seen
whole or not at all, so a live service cannot make a sound ledger look broken.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, String, and_, case, cast, extract, func, literal, null, or_, select, union_all
from sqlalchemy.sql import Select

from backend.services.clearing import check as clearing_check
from backend.storage.db import Database
from backend.storage.models import (
    AnnualAccumulator,
    ClearingBatch,
    ClearingDeduction,
    IdempotencyKey,
    LedgerPosting,
    LedgerTransaction,
    PersonalAccount,
    PremiumPayment,
    Refund,
    RosterImport,
    Settlement,
    SettlementLine,
    SettlementPayment,
)

# More offenders than this are counted as "at least": an incident report needs the first, not all.
_SAMPLE = 1000

_tx = LedgerTransaction.__table__
_posting = LedgerPosting.__table__
_account = PersonalAccount.__table__
_accumulator = AnnualAccumulator.__table__
_settlement = Settlement.__table__
_line = SettlementLine.__table__
_payment = SettlementPayment.__table__
_refund = Refund.__table__
_premium = PremiumPayment.__table__
_key = IdempotencyKey.__table__
_import = RosterImport.__table__
_deduction = ClearingDeduction.__table__
_batch = ClearingBatch.__table__

SPLIT_COLUMNS = ("fund_fen", "deductible_fen", "copay_fen", "b_self_first_fen", "self_pay_fen", "non_medical_fen",
                 "cash_fen", "overlmt_selfpay_fen")


@dataclass(frozen=True)
class Invariant:
    name: str
    rule: str
    offenders: Callable[[], Select]
    describe: Callable[[tuple], str]


@dataclass(frozen=True)
class Broken:
    invariant: str
    count: int
    at_least: bool
    first: str  # names the first broken account, transaction, settlement or key


@dataclass
class LedgerReport:
    checked: dict[str, int]
    results: list[tuple[Invariant, Broken | None]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def broken(self) -> list[Broken]:
        return [b for _, b in self.results if b is not None]

    @property
    def ok(self) -> bool:
        return not self.broken


def _sum(column) -> object:
    return func.coalesce(func.sum(column), 0)


def _unbalanced_transactions() -> Select:
    total = _sum(_posting.c.amount_fen)
    return (select(_tx.c.id, _tx.c.kind, total, func.count(_posting.c.id))
            .select_from(_tx.outerjoin(_posting, _posting.c.transaction_id == _tx.c.id))
            .group_by(_tx.c.id, _tx.c.kind)
            .having(or_(total != 0, func.count(_posting.c.id) == 0)))


def _misnamed_postings() -> Select:
    person_hex = func.replace(cast(_posting.c.person_id, String), "-", "")
    on_personal = _posting.c.account.like("personal:%")
    return (select(_posting.c.transaction_id, _posting.c.account, _posting.c.person_id)
            .where(or_(and_(_posting.c.person_id.is_(None), on_personal),
                       and_(_posting.c.person_id.is_not(None), _posting.c.account != literal("personal:") + person_hex))))


def _balances_off_ledger() -> Select:
    # Both sides in one aggregate: a posting without an account row shows as well as a row without postings.
    sides = select(_account.c.person_id.label("person_id"), _account.c.balance_fen.label("balance"),
                   literal(0).label("ledger")).union_all(
        select(_posting.c.person_id, literal(0), _posting.c.amount_fen).where(_posting.c.person_id.is_not(None))
    ).subquery()
    balance, ledger = func.sum(sides.c.balance), func.sum(sides.c.ledger)
    return select(sides.c.person_id, balance, ledger).group_by(sides.c.person_id).having(balance != ledger)


def _negative_balances() -> Select:
    return select(_account.c.person_id, _account.c.balance_fen).where(_account.c.balance_fen < 0)


def _accumulators_off_settlements() -> Select:
    year = extract("year", _settlement.c.service_date)
    sides = select(_accumulator.c.person_id.label("person_id"), _accumulator.c.year.label("year"),
                   _accumulator.c.deductible_used_fen.label("ded"), _accumulator.c.fund_paid_fen.label("fund"),
                   literal(0).label("line_ded"), literal(0).label("line_fund")).union_all(
        select(_settlement.c.subject_id, year, literal(0), literal(0), _line.c.deductible_fen, _line.c.fund_fen)
        .select_from(_line.join(_settlement, _settlement.c.id == _line.c.settlement_id))
        .where(_line.c.refund_id.is_(None))
    ).subquery()
    ded, fund = func.sum(sides.c.ded), func.sum(sides.c.fund)
    line_ded, line_fund = func.sum(sides.c.line_ded), func.sum(sides.c.line_fund)
    return (select(sides.c.person_id, sides.c.year, ded, line_ded, fund, line_fund)
            .group_by(sides.c.person_id, sides.c.year)
            .having(or_(ded != line_ded, fund != line_fund)))


def _settlements_off_lines() -> Select:
    refunded = func.count(_line.c.refund_id)
    lines = func.count(_line.c.id)
    status = case((refunded == 0, "settled"), (refunded == lines, "refunded"), else_="partly_refunded")
    mismatch = [_sum(_line.c.amount_fen) != _settlement.c.bill_fen]
    mismatch += [_sum(_line.c[name]) != _settlement.c[name] for name in SPLIT_COLUMNS]
    return (select(_settlement.c.id, lines, _settlement.c.status, status)
            .select_from(_settlement.outerjoin(_line, _line.c.settlement_id == _settlement.c.id))
            .group_by(_settlement.c.id, _settlement.c.bill_fen, _settlement.c.status,
                      *(_settlement.c[name] for name in SPLIT_COLUMNS))
            .having(or_(lines == 0, _settlement.c.status != status, *mismatch)))


def _lines_off_payments() -> Select:
    paid = _sum(_payment.c.amount_fen)
    share = _line.c.amount_fen - _line.c.fund_fen - _line.c.cash_fen
    return (select(_line.c.settlement_id, _line.c.line_no, paid, share)
            .select_from(_line.outerjoin(_payment, _payment.c.line_id == _line.c.id))
            .group_by(_line.c.id, _line.c.settlement_id, _line.c.line_no, _line.c.amount_fen, _line.c.fund_fen,
                      _line.c.cash_fen)
            .having(paid != share))


def _side(ref, *, source: int = 0, expected_txs=0, tx=None, institution=0, fund=0, cash=0, personal=0, lines=0,
          line_amount=0) -> list:
    """One branch of a reconciliation: what a row expects of its ledger transactions, or what they hold.
    Branches are added up per referenced row, where every money column must come to zero."""
    columns = dict(ref=ref, source=source, expected_txs=expected_txs,
                   tx=cast(null(), _tx.c.id.type) if tx is None else tx, institution=institution, fund=fund, cash=cash,
                   personal=personal, lines=lines, line_amount=line_amount)
    return [(value if hasattr(value, "label") else literal(value)).label(name) for name, value in columns.items()]


def _posted(*kinds: str) -> Select:
    def on(condition):
        return case((condition, _posting.c.amount_fen), else_=0)

    return (select(*_side(_tx.c.reference_id, tx=_tx.c.id, institution=on(_posting.c.account.like("institution:%")),
                          fund=on(_posting.c.account.like("fund:%")), cash=on(_posting.c.account == "cash:counter"),
                          personal=on(_posting.c.person_id.is_not(None))))
            .select_from(_tx.join(_posting, _posting.c.transaction_id == _tx.c.id)).where(_tx.c.kind.in_(kinds)))


def _reconcile(*branches: Select, extra=()) -> Select:
    """Rows (ref, ledger transactions, expected) whose branches do not cancel out. Rows that exist only in
    the ledger are left to `transactions_have_source`. One aggregate over a UNION ALL, not joins between
    aggregates, so the cost grows with the ledger, not with its square."""
    both = union_all(*branches).subquery()
    c = both.c
    txs = func.count(func.distinct(c.tx))
    return (select(c.ref, txs, func.sum(c.expected_txs)).group_by(c.ref)
            .having(and_(func.sum(c.source) == 1,
                         or_(txs != func.sum(c.expected_txs), *(func.sum(c[name]) != 0 for name in
                                                               ("institution", "fund", "cash", "personal")),
                             *(condition(c) for condition in extra)))))


def _settlements_off_ledger() -> Select:
    s = _settlement.c
    return _reconcile(
        select(*_side(s.id, source=1, expected_txs=case((s.bill_fen > 0, 1), else_=0), institution=-s.bill_fen,
                      fund=s.fund_fen, cash=s.cash_fen)),
        select(*_side(_line.c.settlement_id, personal=_payment.c.amount_fen))
        .select_from(_payment.join(_line, _line.c.id == _payment.c.line_id)),
        _posted("settlement"))


def _refunds_off_ledger() -> Select:
    r = _refund.c
    return _reconcile(
        select(*_side(r.id, source=1, expected_txs=case((r.amount_fen > 0, 1), else_=0), institution=r.amount_fen,
                      line_amount=-r.amount_fen)),
        select(*_side(_line.c.refund_id, lines=1, line_amount=_line.c.amount_fen, fund=-_line.c.fund_fen,
                      cash=-_line.c.cash_fen)).where(_line.c.refund_id.is_not(None)),
        select(*_side(_line.c.refund_id, personal=-_payment.c.amount_fen))
        .select_from(_payment.join(_line, _line.c.id == _payment.c.line_id)).where(_line.c.refund_id.is_not(None)),
        _posted("refund", "reversal"),
        extra=(lambda c: func.sum(c.lines) == 0, lambda c: func.sum(c.line_amount) != 0))


def _premiums_off_ledger() -> Select:
    p = _premium.c
    return _reconcile(select(*_side(p.id, source=1, expected_txs=1, personal=p.amount_fen)), _posted("premium"))


def _roster_adjustments_off_imports() -> Select:
    """A done import that moved balances has one `roster_adjustment` transaction whose personal postings are
    its adjusted people and add up to its net amount; no such transaction belongs to an import not done."""
    i = _import.c
    on_person = _posting.c.person_id.is_not(None)
    both = union_all(
        select(i.id.label("ref"), literal(1).label("source"), case((i.adjusted_count > 0, 1), else_=0).label("expected"),
               cast(null(), _tx.c.id.type).label("tx"), (-i.adjusted_count).label("people"),
               (-i.adjusted_net_fen).label("net")).where(i.status == "done"),
        select(_tx.c.reference_id, literal(0), literal(0), _tx.c.id, case((on_person, 1), else_=0),
               case((on_person, _posting.c.amount_fen), else_=0))
        .select_from(_tx.join(_posting, _posting.c.transaction_id == _tx.c.id))
        .where(_tx.c.kind == "roster_adjustment"),
    ).subquery()
    c = both.c
    txs = func.count(func.distinct(c.tx))
    return (select(c.ref, txs, func.sum(c.expected)).group_by(c.ref)
            .having(or_(func.sum(c.source) != 1, txs != func.sum(c.expected), func.sum(c.people) != 0,
                        func.sum(c.net) != 0)))


def _transactions_without_source() -> Select:
    s, r, p, a, i = _settlement.alias(), _refund.alias(), _premium.alias(), _account.alias(), _import.alias()
    d, b = _deduction.alias(), _batch.alias()
    ref, kind = _tx.c.reference_id, _tx.c.kind
    return (select(_tx.c.id, kind, ref)
            .select_from(_tx.outerjoin(s, and_(kind == "settlement", s.c.id == ref))
                         .outerjoin(r, and_(kind.in_(["refund", "reversal"]), r.c.id == ref, r.c.kind == kind))
                         .outerjoin(p, and_(kind == "premium", p.c.id == ref))
                         .outerjoin(a, and_(kind == "opening", a.c.person_id == ref))
                         .outerjoin(i, and_(kind == "roster_adjustment", i.c.id == ref))
                         .outerjoin(d, and_(kind == "deduction", d.c.id == ref))
                         .outerjoin(b, and_(kind == "clearing_payment", b.c.id == ref)))
            .where(s.c.id.is_(None), r.c.id.is_(None), p.c.id.is_(None), a.c.person_id.is_(None), i.c.id.is_(None),
                   d.c.id.is_(None), b.c.id.is_(None)))


def _deductions_off_ledger() -> Select:
    return _reconcile(*clearing_check.deduction_sides(_side, _posted))


def _keys_without_outcome() -> Select:
    s, r, rs = _settlement.alias(), _refund.alias(), _settlement.alias()
    k = _key.c
    return (select(k.partner_id, k.key, k.operation, k.result_id)
            .select_from(_key.outerjoin(s, and_(k.operation == "settle", s.c.id == k.result_id,
                                                s.c.institution_id == k.partner_id))
                         .outerjoin(r, and_(k.operation == "refund", r.c.id == k.result_id, r.c.kind == "refund"))
                         .outerjoin(rs, and_(rs.c.id == r.c.settlement_id, rs.c.institution_id == k.partner_id)))
            .where(s.c.id.is_(None), rs.c.id.is_(None)))


def _outcomes_without_one_key() -> Select:
    settled = (select(_settlement.c.id, literal("settlement"), func.count(_key.c.key))
               .select_from(_settlement.outerjoin(_key, and_(_key.c.operation == "settle",
                                                             _key.c.result_id == _settlement.c.id)))
               .group_by(_settlement.c.id).having(func.count(_key.c.key) != 1))
    # Staff reversals take no key; an institution's refund always does.
    refunded = (select(_refund.c.id, literal("refund"), func.count(_key.c.key))
                .select_from(_refund.outerjoin(_key, and_(_key.c.operation == "refund", _key.c.result_id == _refund.c.id)))
                .where(_refund.c.kind == "refund")
                .group_by(_refund.c.id).having(func.count(_key.c.key) != 1))
    both = settled.union_all(refunded).subquery()
    return select(*both.c)


def _misdated_rows() -> Select:
    """Postings and lines whose `created_at` (their partition key) is not their transaction's or settlement's."""
    postings = (select(_posting.c.transaction_id, literal("ledger transaction"))
                .select_from(_posting.join(_tx, _tx.c.id == _posting.c.transaction_id))
                .where(_posting.c.created_at != _tx.c.created_at))
    lines = (select(_line.c.settlement_id, literal("settlement"))
             .select_from(_line.join(_settlement, _settlement.c.id == _line.c.settlement_id))
             .where(_line.c.created_at != _settlement.c.created_at))
    both = union_all(postings, lines).subquery()
    return select(*both.c).distinct()


INVARIANTS: tuple[Invariant, ...] = (
    Invariant("transactions_balanced", "every ledger transaction has postings and they sum to zero",
              _unbalanced_transactions,
              lambda r: f"ledger transaction {r[0]} ({r[1]}) has no postings" if r[3] == 0
              else f"ledger transaction {r[0]} ({r[1]}) is off by {r[2]} fen"),
    Invariant("personal_postings_named", "a posting names its person exactly when it is on that person's account",
              _misnamed_postings,
              lambda r: f"ledger transaction {r[0]}: posting on {r[1]} names person {r[2]}"),
    Invariant("balances_match_ledger", "every personal-account balance is the sum of its postings",
              _balances_off_ledger,
              lambda r: f"personal account {r[0]}: balance {r[1]} fen, its postings sum to {r[2]} fen"),
    Invariant("balances_nonnegative", "no personal-account balance is below zero", _negative_balances,
              lambda r: f"personal account {r[0]}: balance {r[1]} fen"),
    Invariant("accumulators_match_settlements",
              "deductible used and fund paid per person and year are the sums of their unrefunded settlement lines",
              _accumulators_off_settlements,
              lambda r: f"annual accumulator of person {r[0]} for {r[1]}: deductible used {r[2]} fen (settlements say "
                        f"{r[3]}), fund paid {r[4]} fen (settlements say {r[5]})"),
    Invariant("settlements_match_lines", "every settlement has lines, they add up to it, and its status matches them",
              _settlements_off_lines,
              lambda r: f"settlement {r[0]} has no lines" if r[1] == 0
              else f"settlement {r[0]}: its {r[1]} lines do not add up to it, or status {r[2]} should be {r[3]}"),
    Invariant("lines_match_payments", "each line's pool payments cover exactly its share not paid by fund or cash",
              _lines_off_payments,
              lambda r: f"settlement {r[0]} line {r[1]}: pools paid {r[2]} fen of {r[3]} fen"),
    Invariant("settlements_posted", "every settlement that moved money has one ledger transaction that matches it",
              _settlements_off_ledger,
              lambda r: f"settlement {r[0]}: {r[1]} ledger transactions (expected {r[2]}), or their postings differ "
                        f"from its fund, cash and pool payments"),
    Invariant("refunds_posted", "every refund or reversal has its lines and one ledger transaction that returns what "
              "they took, to the fund, cash and each pool",
              _refunds_off_ledger,
              lambda r: f"refund {r[0]}: {r[1]} ledger transactions (expected {r[2]}), or its lines or postings "
                        f"differ from its amount and the pools that paid"),
    Invariant("premiums_posted", "every premium payment has one ledger transaction from the payer's account",
              _premiums_off_ledger,
              lambda r: f"premium payment {r[0]}: {r[1]} ledger transactions (expected 1), or a different amount"),
    Invariant("roster_adjustments_posted", "every applied roster import that moved balances has one "
              "roster_adjustment transaction with its adjusted people and net amount, and no other import has one",
              _roster_adjustments_off_imports,
              lambda r: f"roster import {r[0]}: {r[1]} roster_adjustment transactions (expected {r[2]}), or their "
                        f"postings differ from its adjusted people and net amount, or it is not done"),
    Invariant("transactions_have_source", "every ledger transaction references the row it moved money for",
              _transactions_without_source,
              lambda r: f"ledger transaction {r[0]} ({r[1]}) references {r[2]}, which does not exist"),
    Invariant("rows_dated_as_their_parent", "every posting carries its transaction's time and every line its "
              "settlement's (the month partition they are stored in)",
              _misdated_rows, lambda r: f"{r[1]} {r[0]}: a row of it carries another time"),
    Invariant("keys_have_outcome", "every idempotency key names an outcome of its own operation and partner",
              _keys_without_outcome,
              lambda r: f"idempotency key {r[1]!r} of partner {r[0]} ({r[2]}) names {r[3]}, not its outcome"),
    Invariant("deductions_posted", "every clearing deduction has one ledger transaction that returns it from the "
              "institution to the fund and the personal accounts that paid",
              _deductions_off_ledger,
              lambda r: f"deduction {r[0]}: {r[1]} ledger transactions (expected {r[2]}), or their postings differ "
                        f"from its amount, fund and personal parts"),
    Invariant("batch_items_match_sources", "every settlement or refund in a clearing batch is in exactly one, with "
              "its own parts (bill, fund, own account, mutual aid, cash)",
              clearing_check.items_off_sources,
              lambda r: f"settlement or refund {r[0]}: in {r[1]} clearing batches, or its parts there differ from it"),
    Invariant("batched_once_month_cleared", "every settlement and refund created before the latest clearing batch's "
              "month is in a batch", clearing_check.unbatched_before_latest_month,
              lambda r: f"{r[1]} {r[0]} is in no clearing batch, though its month is cleared"),
    Invariant("batch_lines_match_items", "every line of a clearing batch is the sum of its settlements' and refunds' "
              "parts less their deductions, and payable = fund + own account + mutual aid - deducted",
              clearing_check.lines_off_items,
              lambda r: f"clearing batch {r[0]}: the line of institution {r[1]}, {r[2]}/{r[3]} differs from its items"),
    Invariant("paid_receivables_zero", "after a clearing batch is paid, each institution's postings for it sum to "
              "zero, and only paid batches have one payment transaction",
              clearing_check.paid_receivables_not_zero,
              lambda r: f"clearing batch {r[0]}: {r[1]} is left with {r[2]} fen" if str(r[1]).startswith("institution:")
              else f"clearing batch {r[0]} ({r[1]}) has {r[2]} payment transactions"),
    Invariant("outcomes_have_one_key", "every settlement and institution refund is the outcome of exactly one key",
              _outcomes_without_one_key, lambda r: f"{r[1]} {r[0]} is the outcome of {r[2]} idempotency keys"),
)


def _population() -> Select:
    def count(table):
        return select(func.count()).select_from(table).scalar_subquery()

    return select(count(_tx).label("ledger transactions"), count(_posting).label("postings"),
                  count(_account).label("personal accounts"), count(_accumulator).label("annual accumulators"),
                  count(_settlement).label("settlements"), count(_line).label("settlement lines"),
                  count(_refund).label("refunds and reversals"), count(_key).label("idempotency keys"))


@contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    engine = db.engine
    if db.dialect == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with engine.connect() as conn, conn.begin():
        yield conn


def verify(db: Database) -> LedgerReport:
    """Every invariant, on one snapshot; a broken one names its first offender (in id order)."""
    started = time.perf_counter()
    with _snapshot(db) as conn:
        report = LedgerReport(checked=dict(conn.execute(_population()).one()._mapping))
        for invariant in INVARIANTS:
            query = invariant.offenders()
            rows = conn.execute(query.order_by(*query.selected_columns[:2]).limit(_SAMPLE + 1)).all()
            broken = None
            if rows:
                broken = Broken(invariant.name, min(len(rows), _SAMPLE), len(rows) > _SAMPLE, invariant.describe(rows[0]))
            report.results.append((invariant, broken))
    report.seconds = time.perf_counter() - started
    return report
