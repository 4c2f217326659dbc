"""Settling a bill presented with a code (R7, R8, R11, R14), refunds and reversals (R13).

One settlement is one transaction: consume the code, lock the accounts it may debit in a fixed
order, split the bill, write lines and payments, one balanced ledger transaction, the accumulators,
the idempotency key and the audit event, and commit once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Date, String, Uuid, bindparam, insert, true, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.clock import CHINA
from backend.domain.catalogue import CatalogueItem
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.grants import Enrolled, payable
from backend.domain.insurance import InsuranceStatus
from backend.domain.pools import OWN_ACCOUNT, grant_pool
from backend.domain.settlement import (
    BillLine,
    Pool,
    SettlementStatus,
    VisitType,
    YearToDate,
    check_against_catalogue,
    check_policy,
    split_bill,
    validate_lines,
)
from backend.observability import metrics
from backend.policy import is_clerk_or_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.catalogue import lookup
from backend.services.family_account.codes import require_live_binding, take_code
from backend.services.money import ledger
from backend.services.money.grants import choice_from_json, choice_of, choice_to_json, grants_to_pay, spent_this_month_by_grant
from backend.services.platform import audit
from backend.services.region import limits, parameters
from backend.storage.db import dialect_insert, per_dialect
from backend.storage.models import (
    AnnualAccumulator,
    Binding,
    Enrolment,
    Grant,
    IdempotencyKey,
    Institution,
    LedgerPosting,
    LedgerTransaction,
    ParameterSet,
    PersonalAccount,
    Refund,
    SavedPayerOrder,
    Settlement,
    SettlementLine,
    SettlementPayment,
)

R = TypeVar("R")


@dataclass(frozen=True)
class SettleRequest:
    code: str
    visit_type: VisitType
    service_date: date
    lines: list[BillLine]
    idempotency_key: str
    allow_cash: bool = True

    def digest(self) -> str:
        body = {"code": self.code.strip().upper(), "visit": self.visit_type.value,
                "date": self.service_date.isoformat(), "allow_cash": self.allow_cash,
                "lines": [[ln.item_code, ln.name, ln.category and ln.category.value, ln.unit_price_fen, ln.quantity]
                          + ([ln.national_code] if ln.national_code is not None else []) for ln in self.lines]}
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _check_key(key: str) -> str:
    key = key.strip()
    if not 8 <= len(key) <= 80:
        raise DomainError(ErrorCode.INVALID_INPUT, field="idempotencyKey")
    return key


def _replay(s: Session, partner_id: uuid.UUID, key: str, operation: str, digest: str) -> uuid.UUID | None:
    row = s.get(IdempotencyKey, (partner_id, key))
    if row is None:
        return None
    if row.operation != operation or row.request_sha256 != digest:
        raise DomainError(ErrorCode.IDEMPOTENCY_MISMATCH, field="idempotencyKey")
    return row.result_id


def _idempotent(rt: Runtime, actor: Actor, key: str, operation: str, digest: str, work) -> tuple[uuid.UUID, bool]:
    """Run `work(session, result_id)` once per (partner, key); a retry, even a concurrent one, gets the
    first result. Returns the result id, and whether it was an earlier request's (a replay).

    The key is claimed first (`INSERT … ON CONFLICT DO NOTHING`, with the id the result will have): one
    statement instead of a look-up and an insert, and a concurrent duplicate waits on the key itself.
    """
    partner_id = actor.principal.id
    replayed = False

    def attempt(s: Session) -> uuid.UUID:
        nonlocal replayed
        result_id = uuid.uuid4()
        connection = s.connection()
        claimed = connection.execute(CLAIM_KEY(connection), dict(
            partner_id=partner_id, key=key, operation=operation, request_sha256=digest, result_id=result_id,
            created_at=rt.clock.now())).first()
        replayed = claimed is None
        if claimed is None:
            return _replay(s, partner_id, key, operation, digest)
        work(s, result_id)
        return result_id

    try:
        return rt.db.write(attempt), replayed
    except (IntegrityError, DomainError):
        # A concurrent request with the same key may have committed first (we then found its code used,
        # or its key taken): answer with its result. Otherwise the failure is ours to report.
        with rt.db.read() as s:
            earlier = _replay(s, partner_id, key, operation, digest)
        if earlier is None:
            raise
        return earlier, True


def _counted(operation: str, run: Callable[[], tuple[R, bool]]) -> R:
    """Run a settlement operation and count its outcome (done, replayed, refused) for /metrics."""
    try:
        result_id, replayed = run()
    except DomainError:
        metrics.settlement(operation, "refused")
        raise
    metrics.settlement(operation, "replayed" if replayed else "done")
    return result_id


# The hot path's statements are built once (`per_dialect`, or here where the dialect does not matter):
# building a statement and its cache key cost more than running it.
def _claim_key(dialect: str):
    keys = IdempotencyKey.__table__
    return dialect_insert(dialect)(keys).on_conflict_do_nothing().returning(keys.c.result_id)


def _year_to_date_upsert(dialect: str):
    table = AnnualAccumulator.__table__
    statement = dialect_insert(dialect)(table)
    return (statement.on_conflict_do_update(index_elements=["person_id", "year"], set_={"year": statement.excluded.year})
            .returning(table.c.deductible_used_fen, table.c.fund_paid_fen))


def _move_accumulator_update():
    table = AnnualAccumulator.__table__
    return (update(table).where(table.c.person_id == bindparam("subject_id"), table.c.year == bindparam("in_year"))
            .values(deductible_used_fen=table.c.deductible_used_fen + bindparam("deductible_fen", type_=BigInteger),
                    fund_paid_fen=table.c.fund_paid_fen + bindparam("fund_fen", type_=BigInteger)))


CLAIM_KEY = per_dialect(_claim_key)
YEAR_TO_DATE = per_dialect(_year_to_date_upsert)
MOVE_ACCUMULATOR = _move_accumulator_update()
INSERT_SETTLEMENT = insert(Settlement.__table__)
INSERT_LINES = insert(SettlementLine.__table__)
INSERT_PAYMENTS = insert(SettlementPayment.__table__)


def _year_to_date(s: Session, person_id: uuid.UUID, year: int) -> YearToDate:
    """The subject's accumulator for the year, created if need be and locked, in one statement (an upsert
    that touches the row and returns it): two first settlements of the year cannot both create it, and
    neither reads a stale one."""
    connection = s.connection()
    row = connection.execute(YEAR_TO_DATE(connection), dict(person_id=person_id, year=year, deductible_used_fen=0,
                                                            fund_paid_fen=0)).one()
    return YearToDate(row.deductible_used_fen, row.fund_paid_fen)


def _move_accumulator(s: Session, person_id: uuid.UUID, year: int, deductible_fen: int, fund_fen: int) -> None:
    s.connection().execute(MOVE_ACCUMULATOR, dict(subject_id=person_id, in_year=year, deductible_fen=deductible_fen,
                                                  fund_fen=fund_fen))


@dataclass(frozen=True)
class _Scene:
    """What a settlement reads about its code's subject, the institution, the region's settlement limits
    and the catalogue entries behind the bill's item codes, in one statement."""

    enrolment: Enrolled | None
    binding_status: str | None
    level: int
    institution_kind: str
    has_own_account: bool
    saved_order: Any  # the saved payer order's pools and cash_only, if one is saved
    version: parameters.Version | None  # in force on the service date for the subject's region
    days_limit: int | None     # the institution's region's limit on the service date's age for the visit type
    visit_allowed: int | None  # 0: the institution's kind may not settle the visit type
    catalogue: dict[str, CatalogueItem]  # item code -> entry in force through the approved mapping


def _scene_statement():
    e, b, a, o, i, ps = (m.__table__ for m in (Enrolment, Binding, PersonalAccount, SavedPayerOrder, Institution,
                                               ParameterSet))
    subject = bindparam("subject_id", type_=Uuid)
    service_date = bindparam("service_date", type_=Date)
    # The bill's catalogue entries, one row each (none mapped: one row of NULLs), joined to the scene's row.
    items = lookup.items_query(bindparam("institution_id", type_=Uuid),
                               bindparam("item_codes", expanding=True, type_=String), service_date).subquery()
    return (select(i.c.level, i.c.kind.label("institution_kind"), e.c.person_id.label("enrolled"),
                   e.c.insurance_type, e.c.region_code,
                   e.c.status.label("enrolment_status"), b.c.status.label("binding_status"),
                   a.c.person_id.label("own_account"), o.c.person_id.label("saved"), o.c.pools, o.c.cash_only,
                   limits.in_force_value(bindparam("days_name", type_=String), i.c.region_code).label("days_limit"),
                   limits.in_force_value(limits.visit_name(i.c.kind, "visit_type"), i.c.region_code)
                   .label("visit_allowed"),
                   *items.c, *parameters.columns(ps))
            .select_from(i)
            .outerjoin(e, e.c.person_id == subject)
            .outerjoin(b, b.c.id == bindparam("binding_id", type_=Uuid))  # NULL (no binding) matches nothing
            .outerjoin(a, a.c.person_id == subject)
            .outerjoin(o, o.c.person_id == subject)
            .outerjoin(ps, ps.c.id == parameters.in_force_id(e.c.region_code, service_date))
            .outerjoin(items, true())
            .where(i.c.id == bindparam("institution_id", type_=Uuid)))


# Built once, like the statements of `reads.viewer_rows`: building it cost more than running it.
SCENE = _scene_statement()


def _scene(s: Session, code, institution_id: uuid.UUID, request: SettleRequest) -> _Scene:
    rows = s.connection().execute(SCENE, {
        "subject_id": code.subject_id, "binding_id": code.binding_id, "institution_id": institution_id,
        "service_date": request.service_date, "item_codes": sorted({ln.item_code for ln in request.lines}),
        "days_name": limits.service_days_name(request.visit_type.value),
        "visit_type": request.visit_type.value}).all()
    row = rows[0]
    enrolled = Enrolled(row.insurance_type, row.region_code, row.enrolment_status) if row.enrolled else None
    return _Scene(enrolled, row.binding_status, row.level, row.institution_kind, row.own_account is not None,
                  row if row.saved is not None else None, parameters.from_row(row), row.days_limit,
                  row.visit_allowed, {r.item_code: lookup.item_of(r) for r in rows if r.item_code is not None})


def _pools(s: Session, rt: Runtime, subject_id: uuid.UUID, code_choice: str | None, scene: _Scene):
    """The pools in payer order with what each can pay now, and who owns each (accounts locked)."""
    to_pay = grants_to_pay(s, subject_id)
    unrevoked = [g.grant for g in to_pay]
    choice = choice_from_json(code_choice) or choice_of(scene.saved_order, scene.has_own_account, unrevoked)
    # A grant pays only while R2 and R3 hold (R5), and only for what it allows.
    grants = {grant_pool(g.grant.id): g.grant for g in to_pay if g.grant.allow_medical and not g.suspended}
    owners: dict[str, tuple[uuid.UUID, Grant | None]] = {}
    for key in () if choice.cash_only else choice.order:
        if key == OWN_ACCOUNT:
            owners[key] = (subject_id, None)
        elif key in grants:
            owners[key] = (grants[key].grantor_id, grants[key])
    accounts = ledger.lock_accounts(s, [owner for owner, _ in owners.values()])
    # Read after the lock: a concurrent payment by the same grant has committed by now.
    capped = [g.id for _, g in owners.values() if g is not None and g.monthly_cap_fen is not None]
    spent = spent_this_month_by_grant(s, capped, rt.clock.now())
    pools = []
    for key, (owner, grant) in owners.items():
        account = accounts.get(owner)
        if account is None:
            continue
        available = account.balance_fen if grant is None else payable(account.balance_fen, grant.monthly_cap_fen,
                                                                      spent.get(grant.id, 0))
        pools.append(Pool(key, available))
    return choice, pools, owners


@dataclass(frozen=True)
class Settled:
    id: uuid.UUID
    row: Settlement | None  # the settlement as this request wrote it; None for a replay of an earlier one


def settle(rt: Runtime, actor: Actor, request: SettleRequest) -> uuid.UUID:
    """Settle a bill for the person whose code was scanned; returns the settlement id."""
    return settle_written(rt, actor, request).id


def settle_written(rt: Runtime, actor: Actor, request: SettleRequest) -> Settled:
    """`settle`, answering also the row it wrote, so a caller that shows it need not read it back."""
    return _counted("settle", lambda: _settle(rt, actor, request))


def _settle(rt: Runtime, actor: Actor, request: SettleRequest) -> tuple[Settled, bool]:
    key = _check_key(request.idempotency_key)
    institution_id = actor.principal.id
    now = rt.clock.now()
    if request.service_date > now.astimezone(CHINA).date():
        raise DomainError(ErrorCode.SERVICE_DATE_INVALID, field="serviceDate")
    validate_lines(request.lines)  # before the transaction: a refused bill does not even touch the code

    def work(s: Session, settlement_id: uuid.UUID) -> None:
        code = take_code(s, rt, request.code)
        scene = _scene(s, code, institution_id, request)
        require_live_binding(code.binding_id, scene.binding_status)
        check_policy(service_date=request.service_date, today=now.astimezone(CHINA).date(),
                     visit_type=request.visit_type, institution_kind=scene.institution_kind,
                     days_limit=scene.days_limit, visit_allowed=scene.visit_allowed)
        check_against_catalogue(request.lines, scene.catalogue)  # a misconfigured till: before any lock is taken
        enrolment = scene.enrolment
        if enrolment is None or enrolment.status != InsuranceStatus.ACTIVE:
            raise DomainError(ErrorCode.INSURANCE_INACTIVE, field="code")
        if scene.version is None:
            raise DomainError(ErrorCode.POLICY_MISSING, field="serviceDate")
        params = scene.version.params
        # Locks in one order everywhere: the subject's accumulator, then personal accounts by person id
        # (taken last, so the contended grantor accounts are held for as short a time as possible).
        ytd = _year_to_date(s, code.subject_id, request.service_date.year)
        choice, pools, owners = _pools(s, rt, code.subject_id, code.payer_order, scene)
        split = split_bill(request.lines, params, catalogue=scene.catalogue, insurance_type=enrolment.insurance_type,
                           visit_type=request.visit_type, level=scene.level, ytd=ytd, pools=pools)
        if not request.allow_cash and split.cash_fen:
            raise DomainError(ErrorCode.INSUFFICIENT_FUNDS, field="allowCash")
        # Plain INSERTs (executemany for lines and payments): nothing here is read back before commit.
        written = dict(
            id=settlement_id, institution_id=institution_id, subject_id=code.subject_id,
            presenter_id=code.presenter_id, code_id=code.id, visit_type=request.visit_type.value,
            service_date=request.service_date, parameters_label=params.label,
            parameter_set_id=scene.version.id, payer_order=choice_to_json(choice),
            bill_fen=split.bill_fen, fund_fen=split.fund_fen, deductible_fen=split.deductible_fen,
            copay_fen=split.copay_fen, b_self_first_fen=split.b_self_first_fen, self_pay_fen=split.self_pay_fen,
            non_medical_fen=split.non_medical_fen, cash_fen=split.cash_fen,
            overlmt_selfpay_fen=split.overlmt_selfpay_fen, status=SettlementStatus.SETTLED.value, created_at=now)
        s.connection().execute(INSERT_SETTLEMENT, written)
        rows.append(Settlement(**written))
        line_rows, payment_rows = [], []
        for number, (bill_line, part) in enumerate(zip(request.lines, split.lines, strict=True), start=1):
            line_id = uuid.uuid4()
            line_rows.append(dict(
                id=line_id, settlement_id=settlement_id, line_no=number, item_code=bill_line.item_code,
                name=bill_line.name, category=part.item_class.value, unit_price_fen=bill_line.unit_price_fen,
                catalogue_entry_id=part.item and part.item.entry_id, national_code=part.item and part.item.national_code,
                price_cap_fen=part.item and part.item.price_cap_fen,
                quantity=bill_line.quantity, amount_fen=part.amount_fen, fund_fen=part.fund_fen,
                deductible_fen=part.deductible_fen, copay_fen=part.copay_fen, b_self_first_fen=part.b_self_first_fen,
                self_pay_fen=part.self_pay_fen, non_medical_fen=part.non_medical_fen, cash_fen=part.cash_fen,
                overlmt_selfpay_fen=part.overlmt_selfpay_fen, refund_id=None, created_at=now))
            for pool, amount in part.payments.items():
                owner, grant = owners[pool]
                payment_rows.append(dict(line_id=line_id, line_created_at=now, pool=pool, payer_id=owner,
                                         grant_id=grant.id if grant else None, amount_fen=amount))
        s.connection().execute(INSERT_LINES, line_rows)
        if payment_rows:
            s.connection().execute(INSERT_PAYMENTS, payment_rows)
        house = ledger.institution(institution_id)
        movements = [ledger.Movement(ledger.fund(enrolment.region_code), house, split.fund_fen),
                     ledger.Movement(ledger.CASH, house, split.cash_fen)]
        movements += [ledger.Movement(ledger.personal(owners[pool][0]), house, amount,
                                      source_person=owners[pool][0]) for pool, amount in split.payments.items()]
        ledger.record(s, "settlement", settlement_id, now, movements)
        if split.deductible_fen or split.fund_fen:
            _move_accumulator(s, code.subject_id, request.service_date.year, split.deductible_fen, split.fund_fen)
        audit.write(s, [
            audit.event(actor, "code.consume", at=now, subject_person_id=code.subject_id, code_id=code.id),
            audit.event(actor, "settlement.create", at=now, subject_person_id=code.subject_id,
                        settlement_id=settlement_id, presenter_id=code.presenter_id, bill_fen=split.bill_fen,
                        fund_fen=split.fund_fen, payments=split.payments, cash_fen=split.cash_fen)])

    rows: list[Settlement] = []  # what the last attempt wrote (a rerun after a serialization failure starts over)
    settlement_id, replayed = _idempotent(rt, actor, key, "settle", request.digest(), work)
    return Settled(settlement_id, None if replayed else rows[-1]), replayed


@dataclass(frozen=True)
class RefundRequest:
    settlement_id: uuid.UUID
    line_numbers: tuple[int, ...] | None  # None: every line not yet refunded
    idempotency_key: str | None = None
    reason: str | None = None

    def digest(self) -> str:
        body = {"settlement": str(self.settlement_id), "lines": list(self.line_numbers or ())}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _fund_that_paid(s: Session, settlement: Settlement) -> str:
    """The fund account the settlement drew on, from its own ledger transaction (the person may have
    moved region since); a settlement the fund paid nothing for has none, and gets nothing back."""
    account = s.exec(select(LedgerPosting.account)
                     .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
                     .where(LedgerTransaction.kind == "settlement", LedgerTransaction.reference_id == settlement.id,
                            LedgerPosting.account.startswith("fund:"))).first()
    return account or ledger.fund("none")


def _refund_lines(s: Session, rt: Runtime, actor: Actor, settlement: Settlement, numbers, kind: str,
                  reason: str | None, refund_id: uuid.UUID) -> uuid.UUID:
    lines = s.exec(select(SettlementLine).where(SettlementLine.settlement_id == settlement.id)
                   .order_by(SettlementLine.line_no)).all()
    by_number = {ln.line_no: ln for ln in lines}
    if numbers is None:
        chosen = [ln for ln in lines if ln.refund_id is None]
    else:
        if not numbers or any(n not in by_number for n in numbers) or len(set(numbers)) != len(numbers):
            raise DomainError(ErrorCode.INVALID_INPUT, field="lineNumbers")
        chosen = [by_number[n] for n in sorted(numbers)]
    if not chosen or any(ln.refund_id is not None for ln in chosen):
        raise DomainError(ErrorCode.ALREADY_REFUNDED, field="lineNumbers" if numbers else "settlementId")
    payments = s.exec(select(SettlementPayment)
                      .where(SettlementPayment.line_id.in_([ln.id for ln in chosen]))).all()
    _year_to_date(s, settlement.subject_id, settlement.service_date.year)  # locks it: the same order as settle
    ledger.lock_accounts(s, [p.payer_id for p in payments])
    now = rt.clock.now()
    refund = Refund(id=refund_id, settlement_id=settlement.id, kind=kind, reason=reason,
                    amount_fen=sum(ln.amount_fen for ln in chosen), created_at=now)
    s.add(refund)
    s.flush()
    house = ledger.institution(settlement.institution_id)
    fund_account = _fund_that_paid(s, settlement)
    back_to: dict[uuid.UUID, int] = {}
    for p in payments:
        back_to[p.payer_id] = back_to.get(p.payer_id, 0) + p.amount_fen
    movements = [ledger.Movement(house, fund_account, sum(ln.fund_fen for ln in chosen)),
                 ledger.Movement(house, ledger.CASH, sum(ln.cash_fen for ln in chosen))]
    movements += [ledger.Movement(house, ledger.personal(pid), amount, target_person=pid)
                  for pid, amount in sorted(back_to.items())]
    ledger.record(s, kind, refund.id, now, movements)
    _move_accumulator(s, settlement.subject_id, settlement.service_date.year,
                      -sum(ln.deductible_fen for ln in chosen), -sum(ln.fund_fen for ln in chosen))
    for ln in chosen:
        ln.refund_id = refund.id
        s.add(ln)
    settlement.status = SettlementStatus.REFUNDED if all(ln.refund_id for ln in lines) else SettlementStatus.PARTLY_REFUNDED
    s.add(settlement)
    audit.record(s, actor, f"settlement.{kind}", at=now, subject_person_id=settlement.subject_id,
                 settlement_id=settlement.id, refund_id=refund.id, lines=[ln.line_no for ln in chosen],
                 amount_fen=refund.amount_fen, reason=reason)
    return refund.id


def refund(rt: Runtime, actor: Actor, request: RefundRequest) -> uuid.UUID:
    """The settling institution refunds lines (or all) within the refund window."""
    return _counted("refund", lambda: _refund(rt, actor, request))


def _refund(rt: Runtime, actor: Actor, request: RefundRequest) -> tuple[uuid.UUID, bool]:
    key = _check_key(request.idempotency_key or "")
    window = timedelta(days=rt.settings.refund_window_days)

    def work(s: Session, refund_id: uuid.UUID) -> None:
        settlement = s.get(Settlement, request.settlement_id, with_for_update=True)
        if settlement is None or settlement.institution_id != actor.principal.id:
            raise DomainError(ErrorCode.NOT_FOUND, field="settlementId")
        if rt.clock.now() > settlement.created_at + window:
            raise DomainError(ErrorCode.REFUND_WINDOW_PASSED, field="settlementId", days=window.days)
        _refund_lines(s, rt, actor, settlement, request.line_numbers, "refund", request.reason, refund_id)

    return _idempotent(rt, actor, key, "refund", request.digest(), work)


def reverse(rt: Runtime, actor: Actor, request: RefundRequest) -> uuid.UUID:
    """Staff (clerk, admin) reverse a settlement, or lines of it, at any time, giving a reason."""
    return _counted("reverse", lambda: (_reverse(rt, actor, request), False))


def _reverse(rt: Runtime, actor: Actor, request: RefundRequest) -> uuid.UUID:
    if not is_clerk_or_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)
    reason = (request.reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.REASON_REQUIRED, field="reason")

    def work(s: Session) -> uuid.UUID:
        settlement = s.get(Settlement, request.settlement_id, with_for_update=True)
        if settlement is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="settlementId")
        return _refund_lines(s, rt, actor, settlement, request.line_numbers, "reversal", reason[:200], uuid.uuid4())

    return rt.db.write(work)

