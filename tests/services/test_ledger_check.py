"""`yibao verify-ledger`: a sound ledger passes, and each kind of corruption (written by raw SQL,
as a bug or a hand edit would) is caught and named, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, text, update

from backend.domain.settlement import VisitType
from backend.principals import Actor, Channel
from backend.services.money import ledger, premiums, settlement
from backend.services.money.ledger_check import INVARIANTS, verify
from backend.storage.models import (
    AnnualAccumulator,
    IdempotencyKey,
    LedgerPosting,
    LedgerTransaction,
    PersonalAccount,
    PremiumPayment,
    Refund,
    Settlement,
)
from tests.helpers import actor_of
from tests.money import grant, jinan_family, line, settle_for

pytestmark = pytest.mark.serializable


@dataclass
class World:
    fam: object
    by_grant: uuid.UUID      # the daughter's bill, paid by her father's grant; line 2 refunded
    own: uuid.UUID           # the father's bill from his own account, refunded whole
    cash_only: uuid.UUID     # the son's bill on a cash-only code: fund and cash, no pool
    reversed: uuid.UUID      # reversed by a clerk
    premium: uuid.UUID


@pytest.fixture
def world(rt) -> World:
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    by_grant, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter,
                             [line("A", 150_00, code="a"), line("C", 30_00, code="c")])
    own, _ = settle_for(rt, fam.hospital, fam.father, fam.father, [line("A", 300_00), line("NON_MEDICAL", 20_00)],
                        visit=VisitType.OUTPATIENT)
    cash_only, _ = settle_for(rt, fam.pharmacy, fam.son, fam.son, [line("B", 80_00)], cash_only=True)
    reversed_, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("C", 10_00)])
    settlement.refund(rt, Actor(fam.pharmacy, Channel.GRAPHQL), settlement.RefundRequest(by_grant, (2,), "check-line-2"))
    settlement.refund(rt, Actor(fam.hospital, Channel.GRAPHQL), settlement.RefundRequest(own, None, "check-whole"))
    settlement.reverse(rt, Actor(fam.clerk, Channel.CONSOLE), settlement.RefundRequest(reversed_, None, reason="twice"))
    paid = premiums.pay_premium(rt, actor_of(fam.father), fam.daughter.id, rt.clock.now().year)
    return World(fam, by_grant, own, cash_only, reversed_, paid.id)


def broken_names(rt) -> dict[str, str]:
    return {b.invariant: b.first for b in verify(rt.db).broken}


def test_a_sound_ledger_passes_every_invariant(rt, world):
    report = verify(rt.db)
    assert report.ok, report.broken
    assert [inv.name for inv, _ in report.results] == [inv.name for inv in INVARIANTS]
    assert report.checked["settlements"] == 4 and report.checked["refunds and reversals"] == 3
    assert report.checked["idempotency keys"] == 6  # four settlements and two institution refunds


def _tx_of(s, kind: str, reference_id: uuid.UUID) -> uuid.UUID:
    return s.execute(select(LedgerTransaction.id).where(LedgerTransaction.kind == kind,
                                                        LedgerTransaction.reference_id == reference_id)).scalar_one()


def _raw(rt, *statements) -> None:
    with rt.db.engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)


def test_an_unbalanced_transaction_is_named(rt, world):
    father = world.fam.father.id
    with rt.db.read() as s:
        tx = _tx_of(s, "opening", father)
    _raw(rt, update(LedgerPosting).where(LedgerPosting.transaction_id == tx, LedgerPosting.person_id.is_(None))
         .values(amount_fen=LedgerPosting.amount_fen + 1))
    assert broken_names(rt) == {"transactions_balanced": f"ledger transaction {tx} (opening) is off by 1 fen"}


def test_a_posting_on_someone_elses_account_is_named(rt, world):
    father, mother = world.fam.father.id, world.fam.mother.id
    with rt.db.read() as s:
        tx = _tx_of(s, "opening", father)
    _raw(rt, update(LedgerPosting).where(LedgerPosting.transaction_id == tx, LedgerPosting.person_id == father)
         .values(account=ledger.personal(mother)))
    broken = broken_names(rt)
    assert list(broken) == ["personal_postings_named"]
    assert broken["personal_postings_named"].startswith(f"ledger transaction {tx}: posting on personal:{mother.hex}")


def test_a_balance_edited_by_hand_is_named(rt, world):
    mother = world.fam.mother.id
    _raw(rt, update(PersonalAccount).where(PersonalAccount.person_id == mother)
         .values(balance_fen=PersonalAccount.balance_fen + 100))
    assert broken_names(rt) == {"balances_match_ledger": f"personal account {mother}: balance 189150 fen, its postings "
                                "sum to 189050 fen"}


@contextmanager
def _without_balance_check(rt):
    """The schema refuses a negative balance; a corrupted or restored database might still hold one."""
    name = "ck_personal_account_balance_nonnegative"
    if rt.db.dialect == "postgresql":
        _raw(rt, text(f"ALTER TABLE personalaccount DROP CONSTRAINT {name}"))
        try:
            yield None
        finally:
            _raw(rt, text("DELETE FROM personalaccount WHERE balance_fen < 0"),
                 text(f"ALTER TABLE personalaccount ADD CONSTRAINT {name} CHECK (balance_fen >= 0)"))
    else:
        yield text("PRAGMA ignore_check_constraints = ON")


def test_a_negative_balance_is_named_even_when_the_ledger_agrees(rt, world):
    mother = world.fam.mother.id
    tx = uuid.uuid4()
    with _without_balance_check(rt) as pragma:
        # A balanced overdraft: postings and balance agree, only the sign is wrong.
        _raw(rt, *([pragma] if pragma is not None else []),
             insert(LedgerTransaction).values(id=tx, kind="opening", reference_id=mother, created_at=rt.clock.now()),
             insert(LedgerPosting).values(id=uuid.uuid4(), transaction_id=tx, account=ledger.personal(mother),
                                          person_id=mother, amount_fen=-1_890_51, created_at=rt.clock.now()),
             insert(LedgerPosting).values(id=uuid.uuid4(), transaction_id=tx, account=ledger.opening("370112"),
                                          amount_fen=1_890_51, created_at=rt.clock.now()),
             update(PersonalAccount).where(PersonalAccount.person_id == mother).values(balance_fen=-1))
        assert broken_names(rt) == {"balances_nonnegative": f"personal account {mother}: balance -1 fen"}


def test_an_accumulator_out_of_step_is_named(rt, world):
    daughter = world.fam.daughter.id
    year = rt.clock.now().year
    _raw(rt, update(AnnualAccumulator).where(AnnualAccumulator.person_id == daughter)
         .values(fund_paid_fen=AnnualAccumulator.fund_paid_fen + 7))
    broken = broken_names(rt)
    assert list(broken) == ["accumulators_match_settlements"]
    assert broken["accumulators_match_settlements"].startswith(f"annual accumulator of person {daughter} for {year}:")


def test_a_settlement_status_that_its_lines_contradict_is_named(rt, world):
    _raw(rt, update(Settlement).where(Settlement.id == world.cash_only).values(status="refunded"))
    assert broken_names(rt) == {"settlements_match_lines": f"settlement {world.cash_only}: its 1 lines do not add up "
                                "to it, or status refunded should be settled"}


def test_a_settlement_without_its_postings_is_half_written(rt, world):
    with rt.db.read() as s:
        tx = _tx_of(s, "settlement", world.cash_only)
    _raw(rt, delete(LedgerPosting).where(LedgerPosting.transaction_id == tx),
         delete(LedgerTransaction).where(LedgerTransaction.id == tx))
    broken = broken_names(rt)
    assert list(broken) == ["settlements_posted"]
    assert broken["settlements_posted"].startswith(f"settlement {world.cash_only}: 0 ledger transactions (expected 1)")


def test_a_posting_dated_apart_from_its_transaction_is_named(rt, world):
    with rt.db.read() as s:
        tx = _tx_of(s, "settlement", world.cash_only)
    # On PostgreSQL the row moves to another month's partition: the ledger still balances, only the date is off.
    _raw(rt, update(LedgerPosting).where(LedgerPosting.transaction_id == tx)
         .values(created_at=rt.clock.now() + timedelta(days=40)))
    assert broken_names(rt) == {"rows_dated_as_their_parent": f"ledger transaction {tx}: a row of it carries "
                                "another time"}


def test_postings_without_a_settlement_are_named(rt, world):
    tx, ghost = uuid.uuid4(), uuid.uuid4()
    _raw(rt, insert(LedgerTransaction).values(id=tx, kind="settlement", reference_id=ghost, created_at=rt.clock.now()),
         insert(LedgerPosting).values(id=uuid.uuid4(), transaction_id=tx, account="fund:370102", amount_fen=-5_00,
                                      created_at=rt.clock.now()),
         insert(LedgerPosting).values(id=uuid.uuid4(), transaction_id=tx, account="institution:x", amount_fen=5_00,
                                      created_at=rt.clock.now()))
    assert broken_names(rt) == {"transactions_have_source": f"ledger transaction {tx} (settlement) references {ghost}, "
                                "which does not exist"}


def test_a_pool_payment_that_differs_from_its_line_is_named(rt, world):
    from backend.storage.models import SettlementLine, SettlementPayment

    with rt.db.read() as s:
        line_id = s.execute(select(SettlementLine.id).where(SettlementLine.settlement_id == world.by_grant,
                                                            SettlementLine.line_no == 1)).scalar_one()
    _raw(rt, update(SettlementPayment).where(SettlementPayment.line_id == line_id)
         .values(amount_fen=SettlementPayment.amount_fen - 1))
    broken = broken_names(rt)
    assert set(broken) == {"lines_match_payments", "settlements_posted"}
    assert broken["lines_match_payments"].startswith(f"settlement {world.by_grant} line 1: pools paid")


def test_a_refund_that_differs_from_its_lines_is_named(rt, world):
    with rt.db.read() as s:
        refund_id = s.execute(select(Refund.id).where(Refund.settlement_id == world.own)).scalar_one()
    _raw(rt, update(Refund).where(Refund.id == refund_id).values(amount_fen=Refund.amount_fen + 1))
    broken = broken_names(rt)
    assert list(broken) == ["refunds_posted"]
    assert broken["refunds_posted"].startswith(f"refund {refund_id}: 1 ledger transactions (expected 1)")


def test_a_premium_without_its_money_is_named(rt, world):
    _raw(rt, update(PremiumPayment).where(PremiumPayment.id == world.premium).values(amount_fen=1))
    assert list(broken_names(rt)) == ["premiums_posted"]


def test_a_key_whose_outcome_is_missing_is_named(rt, world):
    ghost = uuid.uuid4()
    _raw(rt, insert(IdempotencyKey).values(partner_id=world.fam.pharmacy.id, key="lost-outcome", operation="settle",
                                           request_sha256="0" * 64, result_id=ghost, created_at=rt.clock.now()))
    assert broken_names(rt) == {"keys_have_outcome": f"idempotency key 'lost-outcome' of partner {world.fam.pharmacy.id} "
                                f"(settle) names {ghost}, not its outcome"}


def test_a_settlement_claimed_by_two_keys_is_named(rt, world):
    _raw(rt, insert(IdempotencyKey).values(partner_id=world.fam.pharmacy.id, key="second-key", operation="settle",
                                           request_sha256="0" * 64, result_id=world.cash_only,
                                           created_at=rt.clock.now()))
    assert broken_names(rt) == {"outcomes_have_one_key": f"settlement {world.cash_only} is the outcome of 2 "
                                "idempotency keys"}


def _yibao(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "PASSWORD_TIME_COST": "1", "PASSWORD_MEMORY_COST_KIB": "1024",
           "LANG": "C.UTF-8"}  # the English lines asserted here
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_command_passes_demo_data_and_fails_naming_the_first_broken_account(rt, database_url):
    assert _yibao(database_url, "seed-demo").returncode == 0
    clean = _yibao(database_url, "verify-ledger")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"{len(INVARIANTS)} of {len(INVARIANTS)} invariants hold" in clean.stdout
    with rt.db.read() as s:
        first = s.execute(select(PersonalAccount.person_id).order_by(PersonalAccount.person_id)).scalars().first()
    _raw(rt, update(PersonalAccount).values(balance_fen=PersonalAccount.balance_fen + 1))
    broken = _yibao(database_url, "verify-ledger")
    assert broken.returncode == 1
    assert f"FIRST BROKEN: balances_match_ledger: personal account {first}:" in broken.stdout
