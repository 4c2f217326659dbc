"""A Jinan family with grants, partners and codes, for the money tests; and the ledger invariants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from backend.domain.idnumber import Sex
from backend.domain.settlement import BillLine, Category, VisitType
from backend.principals import Actor, Channel, Principal
from backend.services.family_account import bindings, codes
from backend.services.money import grants, settlement
from backend.services.region import parameters
from backend.storage.models import LedgerPosting, LedgerTransaction, PersonalAccount
from tests.helpers import actor_of, partner, person, relate, staff

# The shipped sample parameter sets by label, read through the seed format.
SAMPLES = {p.label: p for p in parameters.read_seed(parameters.SAMPLES)}


@dataclass
class Family:
    father: object
    mother: object
    daughter: object
    son: object
    clerk: Principal
    pharmacy: Principal
    hospital: Principal


def jinan_family(rt) -> Family:
    clerk = staff(rt, "clerk")
    father = person(rt, "张伟", date(1978, 3, 14), Sex.MALE, insurance="employee", balance_fen=3_256_80)
    mother = person(rt, "李娜", date(1980, 9, 2), insurance="employee", region="370112", balance_fen=1_890_50)
    daughter = person(rt, "张晓雨", date(2004, 7, 1))
    son = person(rt, "张小宝", date(2016, 2, 29), Sex.MALE)
    relate(rt, father, mother, "spouse", verify_with=clerk)
    for parent in (father, mother):
        relate(rt, parent, daughter, "child", verify_with=clerk)
        relate(rt, parent, son, "child", verify_with=clerk)
    for p in (father, mother, daughter, son):
        bindings.activate_voucher(rt, actor_of(p))
    pharmacy, _ = partner(rt, "pharmacy")
    hospital, _ = partner(rt, "hospital")
    return Family(father, mother, daughter, son, clerk, pharmacy, hospital)


def line(category: str, fen: int, qty: int = 1, code: str = "X") -> BillLine:
    return BillLine(code, f"item {code}", Category(category), fen, qty)


_keys = iter(range(1, 10**9))


def settle_for(rt, partner_principal: Principal, presenter, subject, lines, *, key: str | None = None,
               visit=VisitType.PHARMACY, pools=None, cash_only=False, allow_cash=True):
    """Issue a code on the presenter's phone and settle it at the partner; returns the settlement id."""
    code = codes.issue_code(rt, actor_of(presenter), subject.id, pools=pools, cash_only=cash_only).text
    request = settlement.SettleRequest(code=code, visit_type=visit, service_date=rt.clock.now().date(), lines=lines,
                                       idempotency_key=key or f"key-{next(_keys):08d}", allow_cash=allow_cash)
    return settlement.settle(rt, Actor(partner_principal, Channel.GRAPHQL), request), request


def balance(rt, p) -> int:
    with rt.db.read() as s:
        return s.get(PersonalAccount, p.id).balance_fen


def assert_ledger_balanced(rt) -> None:
    """Every transaction sums to zero, and every personal account's postings sum to its balance."""
    with rt.db.read() as s:
        unbalanced = s.exec(select(LedgerPosting.transaction_id).group_by(LedgerPosting.transaction_id)
                            .having(func.sum(LedgerPosting.amount_fen) != 0)).all()
        assert not unbalanced
        assert s.exec(select(func.count()).select_from(LedgerTransaction)).one() > 0
        sums = dict(s.exec(select(LedgerPosting.person_id, func.sum(LedgerPosting.amount_fen))
                           .where(LedgerPosting.person_id.is_not(None)).group_by(LedgerPosting.person_id)).all())
        for account in s.exec(select(PersonalAccount)).all():
            assert sums.get(account.person_id, 0) == account.balance_fen >= 0


def grant(rt, grantor, grantee, **kw):
    return grants.create_grant(rt, actor_of(grantor), grantee.id, **kw)


def assert_split_adds_up(split, lines, pools, params, insurance: str, ytd) -> None:
    """R7 and R8 to the fen: totals, every line, every pool, and the year's deductible and fund cap."""
    # In total: fund + personal burden + non-medical = bill; pools + cash = burden + non-medical.
    assert split.fund_fen + split.personal_burden_fen + split.non_medical_fen == split.bill_fen
    assert sum(split.payments.values()) + split.cash_fen == split.personal_burden_fen + split.non_medical_fen
    # No pool pays more than it has; nothing is negative.
    available = {p.key: p.available_fen for p in pools}
    assert all(0 < paid <= available[key] for key, paid in split.payments.items())
    assert min(split.fund_fen, split.copay_fen, split.deductible_fen, split.cash_fen) >= 0
    # Per line, and the lines add up to the totals.
    for original, s in zip(lines, split.lines, strict=True):
        assert s.amount_fen == original.amount_fen
        assert s.fund_fen + s.personal_burden_fen + s.non_medical_fen == s.amount_fen
        assert sum(s.payments.values()) + s.cash_fen == s.personal_burden_fen + s.non_medical_fen
        assert min([s.fund_fen, s.deductible_fen, s.copay_fen, s.b_self_first_fen, s.cash_fen,
                    *s.payments.values()]) >= 0
    for component in ("fund_fen", "deductible_fen", "copay_fen", "b_self_first_fen", "self_pay_fen",
                      "non_medical_fen", "cash_fen"):
        assert sum(getattr(s, component) for s in split.lines) == getattr(split, component), component
    for key, total in split.payments.items():
        assert sum(s.payments.get(key, 0) for s in split.lines) == total
    # The deductible and the fund stay within what is left of the year.
    assert split.deductible_fen <= max(0, params.deductible_fen[insurance] - ytd.deductible_used_fen)
    assert split.fund_fen <= max(0, params.annual_fund_cap_fen[insurance] - ytd.fund_paid_fen)
