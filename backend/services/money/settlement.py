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
from backend.domain.errors import N_, DomainError, ErrorCode, Msg
from backend.domain.grants import Enrolled, PayerChoice, payable
from backend.domain.insurance import InsuranceStatus
from backend.domain.pools import OWN_ACCOUNT, grant_pool
from backend.domain.settlement import (
    BillLine,
    BillSplit,
    Pool,
    SettlementStatus,
    VisitType,
    YearToDate,
    check_against_catalogue,
    check_policy,
    split_bill,
    validate_lines,
)
from backend.domain.text import has_control_characters
from backend.observability import metrics
from backend.policy import is_clerk_or_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.catalogue import lookup
from backend.services.family_account.codes import live_code, require_live_binding, take_code
from backend.services.money import ledger
from backend.services.money.grants import choice_from_json, choice_of, choice_to_json, grants_to_pay, spent_this_month_by_grant
from backend.services.platform import audit
from backend.services.region import limits, parameters
from backend.storage.db import dialect_insert, per_dialect
from backend.storage.models import (
    AnnualAccumulator,
    Binding,
    ClearingDeduction,
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
    cash_only: bool = False  # the person pays the burden in cash, whatever their payer order (HSA acct_used_flag 0)
    receipt_number: str | None = None  # the partner's own receipt number: unique per partner, readable, searchable

    @property
    def bill(self) -> Bill:
        return Bill(self.code, self.visit_type, self.service_date, self.lines, self.allow_cash, self.cash_only)

    def digest(self) -> str:
        body = {"code": self.code.strip().upper(), "visit": self.visit_type.value,
                "date": self.service_date.isoformat(), "allow_cash": self.allow_cash,
                "lines": [[ln.item_code, ln.name, ln.category and ln.category.value, ln.unit_price_fen, ln.quantity]
                          + ([ln.national_code] if ln.national_code is not None else []) for ln in self.lines]}
        if self.cash_only:
            body["cash_only"] = True
        if self.receipt_number is not None:  # absent otherwise: the digests of requests without one are unchanged
            body["receipt"] = self.receipt_number.strip()
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


MAX_RECEIPT_NUMBER_LENGTH = 40


def _check_receipt_number(receipt: str | None) -> str | None:
    if receipt is None:
        return None
    receipt = receipt.strip()
    if not 0 < len(receipt) <= MAX_RECEIPT_NUMBER_LENGTH or has_control_characters(receipt):
        raise DomainError(ErrorCode.INVALID_INPUT, field="receiptNumber",
                          reason=Msg(N_("a receipt number has 1 to 40 characters, without control characters")))
    return receipt


def _settled_under_receipt(rt: Runtime, institution_id: uuid.UUID, receipt: str, digest: str) -> uuid.UUID | None:
    """The settlement the partner already made under this receipt number, if it was this very bill (the same
    request sent again under a new idempotency key); another bill under it is refused."""
    with rt.db.read() as s:
        found = s.exec(select(Settlement.id, Settlement.request_sha256).where(
            Settlement.institution_id == institution_id, Settlement.receipt_number == receipt)).first()
    if found is None:
        return None
    if found.request_sha256 != digest:
        raise DomainError(ErrorCode.RECEIPT_NUMBER_TAKEN, field="receiptNumber", receipt=receipt)
    return found.id


def _check_key(key: str) -> str:
    key = key.strip()
    if not 8 <= len(key) <= 80:
        raise DomainError(ErrorCode.INVALID_INPUT, field="idempotencyKey",
                          reason=Msg(N_("an idempotency key has 8 to 80 characters")))
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


def _scene(s: Session, code, institution_id: uuid.UUID, request: Bill) -> _Scene:
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


def _pools(s: Session, rt: Runtime, subject_id: uuid.UUID, code_choice: str | None, scene: _Scene, *,
           lock: bool = True, cash_only: bool = False):
    """The pools in payer order with what each can pay now, and who owns each (accounts locked, unless
    `lock` is false: a quote reads them as they stand)."""
    to_pay = grants_to_pay(s, subject_id)
    unrevoked = [g.grant for g in to_pay]
    choice = choice_from_json(code_choice) or choice_of(scene.saved_order, scene.has_own_account, unrevoked)
    if cash_only:
        choice = PayerChoice(order=choice.order, cash_only=True)
    # A grant pays only while R2 and R3 hold (R5), and only for what it allows.
    grants = {grant_pool(g.grant.id): g.grant for g in to_pay if g.grant.allow_medical and not g.suspended}
    owners: dict[str, tuple[uuid.UUID, Grant | None]] = {}
    for key in () if choice.cash_only else choice.order:
        if key == OWN_ACCOUNT:
            owners[key] = (subject_id, None)
        elif key in grants:
            owners[key] = (grants[key].grantor_id, grants[key])
    owner_ids = [owner for owner, _ in owners.values()]
    accounts = ledger.lock_accounts(s, owner_ids) if lock else _accounts_as_they_stand(s, owner_ids)
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


def _accounts_as_they_stand(s: Session, person_ids) -> dict[uuid.UUID, Any]:
    """`ledger.lock_accounts` without the lock, for a quote."""
    if not person_ids:
        return {}
    rows = s.exec(select(PersonalAccount).where(PersonalAccount.person_id.in_(sorted(set(person_ids))))).all()
    return {row.person_id: row for row in rows}


def _year_to_date_as_it_stands(s: Session, person_id: uuid.UUID, year: int) -> YearToDate:
    """`_year_to_date` without creating or locking the row, for a quote."""
    row = s.get(AnnualAccumulator, (person_id, year))
    return YearToDate(row.deductible_used_fen, row.fund_paid_fen) if row else YearToDate()


@dataclass(frozen=True)
class Bill:
    """What settle and quote both split: the bill as the till sends it, without the idempotency key."""

    code: str
    visit_type: VisitType
    service_date: date
    lines: list[BillLine]
    allow_cash: bool = True
    cash_only: bool = False  # no personal account pays, whatever the payer order (R8: "choose cash only")


@dataclass(frozen=True)
class Computed:
    """A bill's split and what it was computed from: the one computation behind both settle and quote."""

    code: Any                     # the presented code's row (subject, presenter, binding, payer order)
    enrolment: Enrolled
    version: parameters.Version   # the parameter version in force on the service date
    level: int                    # the institution's level
    ytd: YearToDate
    choice: Any                   # the payer choice (order, cash only) the split followed
    owners: dict[str, tuple[uuid.UUID, Grant | None]]  # pool key -> (whose account, which grant)
    split: BillSplit


def _check_bill(rt: Runtime, bill: Bill) -> None:
    """What settle and quote refuse before reading anything: a future service date, a bad line."""
    if bill.service_date > rt.clock.now().astimezone(CHINA).date():
        raise DomainError(ErrorCode.SERVICE_DATE_INVALID, field="serviceDate")
    validate_lines(bill.lines)  # before the transaction: a refused bill does not even touch the code


def _compute(s: Session, rt: Runtime, code, institution_id: uuid.UUID, bill: Bill, *, lock: bool) -> Computed:
    """Split `bill` for `code` at `institution_id` exactly as a settlement does (R7, R8): the scene, the
    accumulator, the pools in payer order, the split. With `lock` (settle) the accumulator is created and
    locked and the accounts are locked; without (quote) the same rows are read as they stand."""
    scene = _scene(s, code, institution_id, bill)
    require_live_binding(code.binding_id, scene.binding_status)
    check_policy(service_date=bill.service_date, today=rt.clock.now().astimezone(CHINA).date(),
                 visit_type=bill.visit_type, institution_kind=scene.institution_kind,
                 days_limit=scene.days_limit, visit_allowed=scene.visit_allowed)
    check_against_catalogue(bill.lines, scene.catalogue)  # a misconfigured till: before any lock is taken
    enrolment = scene.enrolment
    if enrolment is None or enrolment.status != InsuranceStatus.ACTIVE:
        raise DomainError(ErrorCode.INSURANCE_INACTIVE, field="code")
    if scene.version is None:
        raise DomainError(ErrorCode.POLICY_MISSING, field="serviceDate")
    # Locks in one order everywhere: the subject's accumulator, then personal accounts by person id
    # (taken last, so the contended grantor accounts are held for as short a time as possible).
    year = bill.service_date.year
    ytd = _year_to_date(s, code.subject_id, year) if lock else _year_to_date_as_it_stands(s, code.subject_id, year)
    choice, pools, owners = _pools(s, rt, code.subject_id, code.payer_order, scene, lock=lock,
                                   cash_only=bill.cash_only)
    split = split_bill(bill.lines, scene.version.params, catalogue=scene.catalogue,
                       insurance_type=enrolment.insurance_type,
                       visit_type=bill.visit_type, level=scene.level, ytd=ytd, pools=pools)
    if not bill.allow_cash and split.cash_fen:
        raise DomainError(ErrorCode.INSUFFICIENT_FUNDS, field="allowCash")
    return Computed(code, enrolment, scene.version, scene.level, ytd, choice, owners, split)


def quote(rt: Runtime, actor: Actor, bill: Bill) -> Computed:
    """预结算: the split `settle` would make for this bill now, by the same computation (`_compute`), with
    nothing written and the code not used up. Refuses what settle would refuse, with the same codes.

    A settlement that follows equals the quote unless something it reads changed in between (a payment
    from the same accounts, a refund, a new parameter version); settle recomputes under its locks."""
    _check_bill(rt, bill)
    with rt.db.read() as s:
        code = live_code(s, rt, bill.code, lock=False)
        return _compute(s, rt, code, actor.principal.id, bill, lock=False)


@dataclass(frozen=True)
class Settled:
    id: uuid.UUID
    row: Settlement | None  # the settlement as this request wrote it; None for a replay of an earlier one
    computed: Computed | None = None  # the split it wrote (each pool's payment, who owns it); None for a replay


def settle(rt: Runtime, actor: Actor, request: SettleRequest) -> uuid.UUID:
    """Settle a bill for the person whose code was scanned; returns the settlement id."""
    return settle_written(rt, actor, request).id


# Run in the settlement's transaction, after its writes: may write rows of its own (the HSA gateway's message
# log) or raise to roll the settlement back (a check only the computed split can answer).
AlsoWrite = Callable[[Session, uuid.UUID, "Computed"], None]


def settle_written(rt: Runtime, actor: Actor, request: SettleRequest, also: AlsoWrite | None = None) -> Settled:
    """`settle`, answering also the row it wrote, so a caller that shows it need not read it back. `also`
    runs in the same transaction (not for a replay, which writes nothing)."""
    return _counted("settle", lambda: _settle(rt, actor, request, also))


def _settle(rt: Runtime, actor: Actor, request: SettleRequest, also: AlsoWrite | None = None) -> tuple[Settled, bool]:
    key = _check_key(request.idempotency_key)
    receipt = _check_receipt_number(request.receipt_number)
    institution_id = actor.principal.id
    now = rt.clock.now()
    bill = request.bill
    _check_bill(rt, bill)
    digest = request.digest()
    if receipt is not None and (earlier := _settled_under_receipt(rt, institution_id, receipt, digest)) is not None:
        return Settled(earlier, None), True

    def work(s: Session, settlement_id: uuid.UUID) -> None:
        code = take_code(s, rt, request.code)
        computed = _compute(s, rt, code, institution_id, bill, lock=True)
        enrolment, split, choice, owners = computed.enrolment, computed.split, computed.choice, computed.owners
        params = computed.version.params
        # Plain INSERTs (executemany for lines and payments): nothing here is read back before commit.
        written = dict(
            id=settlement_id, institution_id=institution_id, subject_id=code.subject_id,
            presenter_id=code.presenter_id, code_id=code.id, visit_type=request.visit_type.value,
            insurance_type=enrolment.insurance_type,
            service_date=request.service_date, parameters_label=params.label,
            parameter_set_id=computed.version.id, payer_order=choice_to_json(choice),
            bill_fen=split.bill_fen, fund_fen=split.fund_fen, deductible_fen=split.deductible_fen,
            copay_fen=split.copay_fen, b_self_first_fen=split.b_self_first_fen, self_pay_fen=split.self_pay_fen,
            non_medical_fen=split.non_medical_fen, cash_fen=split.cash_fen,
            overlmt_selfpay_fen=split.overlmt_selfpay_fen, status=SettlementStatus.SETTLED.value,
            receipt_number=receipt, request_sha256=digest if receipt is not None else None, created_at=now)
        s.connection().execute(INSERT_SETTLEMENT, written)
        rows.append(Settlement(**written))
        computations.append(computed)
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
        if also is not None:
            also(s, settlement_id, computed)

    rows: list[Settlement] = []  # what the last attempt wrote (a rerun after a serialization failure starts over)
    computations: list[Computed] = []
    try:
        settlement_id, replayed = _idempotent(rt, actor, key, "settle", digest, work)
    except IntegrityError:
        # Another request under the same receipt number committed first: its bill, or a refusal.
        earlier = _settled_under_receipt(rt, institution_id, receipt, digest) if receipt is not None else None
        if earlier is None:
            raise
        return Settled(earlier, None), True
    if replayed:
        return Settled(settlement_id, None), True
    return Settled(settlement_id, rows[-1], computations[-1]), False


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
            raise DomainError(ErrorCode.INVALID_INPUT, field="lineNumbers",
                              reason=Msg(N_("name each line once, by a number the settlement has")))
        chosen = [by_number[n] for n in sorted(numbers)]
    if not chosen or any(ln.refund_id is not None for ln in chosen):
        raise DomainError(ErrorCode.ALREADY_REFUNDED, field="lineNumbers" if numbers else "settlementId")
    if s.exec(select(ClearingDeduction.id).where(ClearingDeduction.settlement_id == settlement.id).limit(1)).first():
        raise DomainError(ErrorCode.SETTLEMENT_DEDUCTED, field="settlementId")  # its deduction went back already
    payments = s.exec(select(SettlementPayment)
                      .where(SettlementPayment.line_id.in_([ln.id for ln in chosen]))).all()
    _year_to_date(s, settlement.subject_id, settlement.service_date.year)  # locks it: the same order as settle
    ledger.lock_accounts(s, [p.payer_id for p in payments])
    now = rt.clock.now()
    own = sum(p.amount_fen for p in payments if p.pool == OWN_ACCOUNT)
    refund = Refund(id=refund_id, settlement_id=settlement.id, kind=kind, reason=reason,
                    amount_fen=sum(ln.amount_fen for ln in chosen), fund_fen=sum(ln.fund_fen for ln in chosen),
                    own_account_fen=own, mutual_aid_fen=sum(p.amount_fen for p in payments) - own,
                    cash_fen=sum(ln.cash_fen for ln in chosen),
                    deductible_fen=sum(ln.deductible_fen for ln in chosen), created_at=now)
    s.add(refund)
    s.flush()
    house = ledger.institution(settlement.institution_id)
    fund_account = _fund_that_paid(s, settlement)
    back_to: dict[uuid.UUID, int] = {}
    for p in payments:
        back_to[p.payer_id] = back_to.get(p.payer_id, 0) + p.amount_fen
    movements = [ledger.Movement(house, fund_account, refund.fund_fen), ledger.Movement(house, ledger.CASH, refund.cash_fen)]
    movements += [ledger.Movement(house, ledger.personal(pid), amount, target_person=pid)
                  for pid, amount in sorted(back_to.items())]
    ledger.record(s, kind, refund.id, now, movements)
    _move_accumulator(s, settlement.subject_id, settlement.service_date.year, -refund.deductible_fen, -refund.fund_fen)
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

