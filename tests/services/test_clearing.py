"""Monthly clearing (R16): what the insurer owes, prepare / deduct / approve / reject / pay, maker-checker,
typed refusals that write nothing, and the ledger after payment (`verify-ledger` with the new invariants)."""


import pytest
from sqlmodel import func, select

from backend.domain.errors import DomainError, ErrorCode
from backend.principals import Actor, Channel
from backend.services.clearing import batches, deductions, payee, views
from backend.services.money import ledger, settlement
from backend.services.money.ledger_check import verify
from backend.storage.models import ClearingBatch, ClearingItem, ClearingLine, LedgerPosting, Settlement
from tests.clearing import china, march_world
from tests.helpers import audit_events, count, staff
from tests.money import balance

pytestmark = pytest.mark.serializable


def console(principal) -> Actor:
    return Actor(principal, Channel.CONSOLE)


def refused(code: ErrorCode, call, *args):
    with pytest.raises(DomainError) as caught:
        call(*args)
    assert caught.value.code == code, caught.value
    return caught.value


def lines_of(rt, batch_id) -> list[ClearingLine]:
    with rt.db.read() as s:
        return list(s.exec(select(ClearingLine).where(ClearingLine.batch_id == batch_id)))


def institution_balance(rt, institution_id) -> int:
    with rt.db.read() as s:
        return s.exec(select(func.coalesce(func.sum(LedgerPosting.amount_fen), 0))
                      .where(LedgerPosting.account == ledger.institution(institution_id))).one()


@pytest.fixture
def march(rt):
    return march_world(rt)


def test_a_month_is_prepared_deducted_approved_and_paid_and_the_receivables_are_zero(rt, march):
    fam, ids = march
    clerk, auditor, admin = fam.clerk, staff(rt, "auditor"), staff(rt, "admin")
    china(rt, 2026, 4, 2)
    refused(ErrorCode.MONTH_NOT_ENDED, batches.prepare, rt, console(clerk), "2026-04")
    refused(ErrorCode.MONTH_INVALID, batches.prepare, rt, console(clerk), "2026-3")
    refused(ErrorCode.NOT_ALLOWED, batches.prepare, rt, console(auditor), "2026-03")
    assert count(rt, ClearingBatch) == 0

    batch = batches.prepare(rt, console(clerk), "2026-03")
    refused(ErrorCode.BATCH_EXISTS, batches.prepare, rt, console(admin), "2026-03")
    refused(ErrorCode.BATCH_EXISTS, batches.prepare, rt, console(admin), "2026-02")  # a later month is cleared
    with rt.db.read() as s:
        march_rows = {sid: s.get(Settlement, sid) for key, sid in ids.items() if key != "april"}
        members = {i.source_id: i for i in s.exec(select(ClearingItem))}
    assert ids["april"] not in members and set(march_rows) <= set(members)
    assert len(members) == len(march_rows) + 1  # the son's refund too
    lines = lines_of(rt, batch.id)
    by_key = {(ln.institution_id, ln.insutype, ln.clr_type): ln for ln in lines}
    hospital = by_key[(fam.hospital.id, "310", "11")]  # father and mother: employees, outpatient
    assert hospital.settlements == 2 and hospital.refunds == 0
    for sid in (ids["father"], ids["late"]):
        row = march_rows[sid]
        assert members[sid].fund_fen == row.fund_fen and members[sid].cash_fen == row.cash_fen
    assert hospital.payable_fen == sum(march_rows[s].bill_fen - march_rows[s].cash_fen for s in (ids["father"], ids["late"]))
    assert hospital.own_fen > 0 and hospital.aid_fen == 0
    pharmacy = by_key[(fam.pharmacy.id, "390", "41")]  # the daughter's and the son's (refunded) bills
    assert pharmacy.settlements == 2 and pharmacy.refunds == 1 and pharmacy.aid_fen > 0
    daughter = march_rows[ids["daughter"]]
    assert pharmacy.payable_fen == daughter.bill_fen - daughter.cash_fen  # the son's settlement and refund cancel
    assert pharmacy.bill_fen == daughter.bill_fen and pharmacy.cash_fen == daughter.cash_fen

    # 审核扣款: never more than the insurer paid; back to the fund and the father's own account.
    father_row = march_rows[ids["father"]]
    insurer_part = father_row.bill_fen - father_row.cash_fen
    before = balance(rt, fam.father)
    refused(ErrorCode.DEDUCTION_TOO_LARGE, deductions.deduct, rt, console(auditor), batch.id, ids["father"],
            insurer_part + 1, "over-treatment")
    refused(ErrorCode.REASON_REQUIRED, deductions.deduct, rt, console(auditor), batch.id, ids["father"], 10_00, " ")
    refused(ErrorCode.NOT_ALLOWED, deductions.deduct, rt, console(clerk), batch.id, ids["father"], 10_00, "x")
    refused(ErrorCode.NOT_FOUND, deductions.deduct, rt, console(auditor), batch.id, ids["april"], 10_00, "x")
    cut = deductions.deduct(rt, console(auditor), batch.id, ids["father"], 50_00, "B-list item not indicated")
    assert cut.fund_fen + cut.personal_fen == 50_00 and cut.personal_fen > 0
    assert balance(rt, fam.father) == before + cut.personal_fen
    hospital = {(ln.institution_id, ln.clr_type): ln for ln in lines_of(rt, batch.id)}[(fam.hospital.id, "11")]
    assert hospital.deducted_fen == 50_00
    refused(ErrorCode.SETTLEMENT_DEDUCTED, settlement.refund, rt, Actor(fam.hospital, Channel.GRAPHQL),
            settlement.RefundRequest(ids["father"], None, "refund-father"))

    refused(ErrorCode.NOT_ALLOWED, batches.approve, rt, console(clerk), batch.id)
    refused(ErrorCode.BATCH_STATE, batches.pay, rt, console(admin), batch.id, "BANK-1")
    batches.approve(rt, console(auditor), batch.id)
    refused(ErrorCode.BATCH_STATE, deductions.deduct, rt, console(auditor), batch.id, ids["late"], 1_00, "late")
    refused(ErrorCode.PAYEE_ACCOUNT_MISSING, batches.pay, rt, console(admin), batch.id, "BANK-1")
    refused(ErrorCode.BANK_ACCOUNT_INVALID, payee.set_payee_account, rt, console(admin), fam.hospital.id,
            "ICBC Jinan", "12-34", "new account")
    refused(ErrorCode.NOT_ALLOWED, payee.set_payee_account, rt, console(clerk), fam.hospital.id,
            "ICBC Jinan", "6222021234567890", "new account")
    for who in (fam.hospital, fam.pharmacy):
        payee.set_payee_account(rt, console(admin), who.id, "ICBC Jinan", "6222 0212 3456 7890", "contract")
    assert "6222021234567890" not in str([e.detail for e in audit_events(rt, "partner.payee_account")])
    refused(ErrorCode.BANK_REFERENCE_INVALID, batches.pay, rt, console(admin), batch.id, "bad ref!")
    refused(ErrorCode.NOT_ALLOWED, batches.pay, rt, console(auditor), batch.id, "BANK-1")
    paid = batches.pay(rt, console(admin), batch.id, "BANK-2026-04-001")
    assert paid.status == "paid" and paid.bank_reference == "BANK-2026-04-001"

    report = verify(rt.db)
    assert report.ok, report.broken
    # The hospital's receivable for March is gone; the pharmacy's account holds only April's settlement.
    assert institution_balance(rt, fam.hospital.id) == 0
    with rt.db.read() as s:
        april = s.get(Settlement, ids["april"])
    assert institution_balance(rt, fam.pharmacy.id) == april.bill_fen
    actions = [e.action for e in audit_events(rt) if e.action.startswith("clearing.")]
    assert actions == ["clearing.prepare", "clearing.deduct", "clearing.approve", "clearing.pay"]


def test_whoever_prepared_a_batch_never_approves_it_and_a_rejected_month_is_prepared_again(rt, march):
    fam, ids = march
    admin, other_admin, auditor = staff(rt, "admin"), staff(rt, "admin"), staff(rt, "auditor")
    china(rt, 2026, 4, 2)
    batch = batches.prepare(rt, console(admin), "2026-03")
    refused(ErrorCode.OWN_BATCH, batches.approve, rt, console(admin), batch.id)
    deductions.deduct(rt, console(auditor), batch.id, ids["daughter"], 3_00, "duplicate item")
    batches.approve(rt, console(other_admin), batch.id)
    refused(ErrorCode.REASON_REQUIRED, batches.reject, rt, console(auditor), batch.id, "")
    rejected = batches.reject(rt, console(auditor), batch.id, "figures to be checked with the pharmacy")
    assert rejected.status == "rejected" and count(rt, ClearingItem) == 0
    refused(ErrorCode.BATCH_STATE, batches.approve, rt, console(auditor), batch.id)

    again = batches.prepare(rt, console(fam.clerk), "2026-03")
    before = {(ln.institution_id, ln.insutype, ln.clr_type): ln.payable_fen for ln in lines_of(rt, batch.id)}
    after = {(ln.institution_id, ln.insutype, ln.clr_type): ln for ln in lines_of(rt, again.id)}
    assert {k: ln.payable_fen for k, ln in after.items()} == before  # the deduction stays with its settlement
    assert after[(fam.pharmacy.id, "390", "41")].deducted_fen == 3_00
    assert verify(rt.db).ok


def test_refunds_after_a_month_is_paid_reduce_what_is_owed_in_their_own_month(rt, march):
    fam, ids = march
    auditor, admin = staff(rt, "auditor"), staff(rt, "admin")
    for who in (fam.hospital, fam.pharmacy):
        payee.set_payee_account(rt, console(admin), who.id, "Bank of Jinan", "62220212345678", "contract")
    china(rt, 2026, 4, 2)
    with rt.db.read() as s:
        everything = sum(r.bill_fen - r.cash_fen for r in s.exec(select(Settlement)))
        before = views.dashboard_figures(s)
    son_refunded = march_rows_insurer_part(rt, ids["son"])
    assert before == views.Figures(everything - son_refunded, 0, 0)
    march_batch = batches.prepare(rt, console(fam.clerk), "2026-03")
    with rt.db.read() as s:
        prepared = views.dashboard_figures(s)
    assert prepared.owed_fen == before.owed_fen and prepared.waiting_for_approval == 1 and prepared.in_batches_fen > 0
    batches.approve(rt, console(auditor), march_batch.id)
    batches.pay(rt, console(admin), march_batch.id, "MARCH")
    with rt.db.read() as s:
        after_march = views.dashboard_figures(s)
        april_row = s.get(Settlement, ids["april"])
    assert after_march == views.Figures(april_row.bill_fen - april_row.cash_fen, 0, 0)  # only April is owed
    china(rt, 2026, 4, 3)
    settlement.refund(rt, Actor(fam.hospital, Channel.GRAPHQL), settlement.RefundRequest(ids["late"], None, "refund-late"))
    with rt.db.read() as s:
        late = s.get(Settlement, ids["late"])
        april = s.get(Settlement, ids["april"])
    china(rt, 2026, 5, 1, 8)
    april_batch = batches.prepare(rt, console(fam.clerk), "2026-04")
    lines = {(ln.institution_id, ln.clr_type): ln for ln in lines_of(rt, april_batch.id)}
    hospital = lines[(fam.hospital.id, "11")]
    assert (hospital.settlements, hospital.refunds) == (0, 1)
    assert hospital.payable_fen == -(late.bill_fen - late.cash_fen)  # the hospital owes it back
    assert lines[(fam.pharmacy.id, "41")].payable_fen == april.bill_fen - april.cash_fen
    batches.approve(rt, console(auditor), april_batch.id)
    batches.pay(rt, console(admin), april_batch.id, "APRIL")
    assert verify(rt.db).ok
    assert institution_balance(rt, fam.hospital.id) == institution_balance(rt, fam.pharmacy.id) == 0
    assert [b.status for b in _batches(rt)] == ["paid", "paid"]


def march_rows_insurer_part(rt, settlement_id) -> int:
    with rt.db.read() as s:
        row = s.get(Settlement, settlement_id)
    return row.bill_fen - row.cash_fen


def _batches(rt):
    with rt.db.read() as s:
        return list(s.exec(select(ClearingBatch).order_by(ClearingBatch.month)))


def test_the_check_finds_a_paid_period_whose_receivable_is_not_zero(rt, march):
    fam, _ = march
    auditor, admin = staff(rt, "auditor"), staff(rt, "admin")
    for who in (fam.hospital, fam.pharmacy):
        payee.set_payee_account(rt, console(admin), who.id, "Bank of Jinan", "62220212345678", "contract")
    china(rt, 2026, 4, 2)
    batch = batches.prepare(rt, console(fam.clerk), "2026-03")
    batches.approve(rt, console(auditor), batch.id)
    batches.pay(rt, console(admin), batch.id, "MARCH")

    def tamper(statement):
        rt.db.write(lambda s: s.connection().exec_driver_sql(statement))
        return {b.invariant for b in verify(rt.db).broken}

    assert tamper("UPDATE clearingline SET payable_fen = payable_fen + 1") == {"batch_lines_match_items"}
    # A settlement dropped from the paid batch: its receivable is left over, and the line no longer adds up.
    assert tamper(f"DELETE FROM clearingitem WHERE source_id IN (SELECT id FROM settlement "
                  f"WHERE institution_id = '{_db_id(rt, fam.hospital.id)}')") == {
        "batch_lines_match_items", "paid_receivables_zero"}


def _db_id(rt, value) -> str:
    return str(value) if rt.db.dialect == "postgresql" else value.hex
