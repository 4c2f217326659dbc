"""A Jinan family with grants, partners and codes, for the money tests; and the ledger invariants."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from backend.domain.catalogue import CatalogueItem, ItemClass, ItemKind
from backend.domain.idnumber import Sex
from backend.domain.settlement import MAX_ITEM_CODE_LENGTH, BillLine, Category, VisitType
from backend.domain.text import has_control_characters
from backend.principals import Actor, Channel, Principal
from backend.services.catalogue.lookup import catalogue_items
from backend.services.family_account import bindings, codes
from backend.services.money import grants, settlement
from backend.services.region import parameters
from backend.storage.models import (
    CatalogueEntry,
    CatalogueImport,
    Institution,
    LedgerPosting,
    LedgerTransaction,
    PersonalAccount,
    PolicyLimit,
)
from tests.helpers import actor_of, approve_mappings, partner, person, relate, staff

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


def line(category: str, fen: int, qty: int = 1, code: str | None = None) -> BillLine:
    """A bill line whose item code `settle_for` maps to the test catalogue's entry of its category; by
    default one item code per category ("X" for List A), as a till has one code per item."""
    code = code or ("X" if category == "A" else f"X-{category}")
    return BillLine(code, f"item {code}", Category(category), fen, qty)


# The money tests' own catalogue: one entry per class, no price cap, in force since 2000. `settle_for` maps a
# line's item code to the entry of the class the line names (NON_MEDICAL: left unmapped, cash only).
TEST_ENTRY = {cls: f"TEST-{cls.value}" for cls in ItemClass}
# And one List B entry with its own 20% self-pay-first share and a price cap of 50.00 a unit.
CAPPED, CAP_FEN = "TEST-B-CAP", 50_00


def catalogue_of(lines) -> dict[str, CatalogueItem]:
    """The catalogue as `split_bill` sees it for lines classed by their own category (domain tests)."""
    return {ln.item_code: CatalogueItem(uuid.uuid5(uuid.NAMESPACE_OID, ln.item_code), TEST_ENTRY[ItemClass(ln.category)],
                                        ln.name, ItemKind.DRUG, ItemClass(ln.category), None, None)
            for ln in lines if ln.category not in (None, Category.NON_MEDICAL)}


def add_entries(rt, *entries: dict) -> list[CatalogueEntry]:
    """Catalogue entries as if imported from a file (national_code, name, kind, item_class, valid_from, ...)."""
    def work(s):
        source = CatalogueImport(file_sha256=uuid.uuid4().hex * 2, filename="test.csv", encoding="utf-8",
                                 status="done", created_at=rt.clock.now())
        s.add(source)
        s.flush()
        rows = [CatalogueEntry(import_id=source.id, row_sha256="0" * 64, **e) for e in entries]
        s.add_all(rows)
        s.flush()
        return rows
    return rt.db.write(work)


def _test_catalogue(rt) -> None:
    with rt.db.read() as s:
        present = s.exec(select(CatalogueEntry.id).where(CatalogueEntry.national_code == TEST_ENTRY[ItemClass.A])).first()
    if present is None:
        add_entries(rt, *(dict(national_code=code, name=f"测试{cls.value}类", kind="drug", item_class=cls.value,
                               valid_from=date(2000, 1, 1)) for cls, code in TEST_ENTRY.items()),
                    dict(national_code=CAPPED, name="测试限价乙类", kind="consumable", item_class="B",
                         b_self_first_bp=2000, price_cap_fen=CAP_FEN, valid_from=date(2000, 1, 1)))


def map_capped(rt, institution_id, item_code: str) -> None:
    """Approve a mapping of an item code to the capped List B test entry."""
    _test_catalogue(rt)
    approve_mappings(rt, institution_id, {item_code: CAPPED})


def lift_service_date_limits(rt) -> None:
    """Clear the settlement policy's limits on a service date's age (tests settling months back)."""
    def work(s):
        for row in s.exec(select(PolicyLimit).where(PolicyLimit.name.startswith("service_days_"))).all():
            s.delete(row)
    rt.db.write(work)


def map_lines(rt, institution_id, lines, service_date: date | None = None) -> None:
    """Approve mappings of the lines' item codes (BillLines, or the graph's line inputs) to the test catalogue's
    entry of each line's category, unless
    the institution already has them (NON_MEDICAL lines stay unmapped: outside the catalogue)."""
    pairs = [(ln["itemCode"], ln.get("category")) if isinstance(ln, dict) else (ln.item_code, ln.category)
             for ln in lines]  # BillLines, or lines as the graph's input takes them
    wanted = {code: TEST_ENTRY[ItemClass(category)] for code, category in pairs
              if category not in (None, Category.NON_MEDICAL, "NON_MEDICAL")
              and 0 < len(code) <= MAX_ITEM_CODE_LENGTH and not has_control_characters(code)}  # else refused anyway
    if not wanted:
        return
    _test_catalogue(rt)
    with rt.db.read() as s:
        have = catalogue_items(s, institution_id=institution_id, item_codes=list(wanted),
                               service_date=service_date or rt.clock.now().date())
    missing = {code: national for code, national in wanted.items()
               if code not in have or have[code].national_code != national}
    if missing:
        approve_mappings(rt, institution_id, missing)


_keys = iter(range(1, 10**9))


def settle_for(rt, partner_principal: Principal, presenter, subject, lines, *, key: str | None = None,
               visit=None, pools=None, cash_only=False, allow_cash=True):
    """Issue a code on the presenter's phone and settle it at the partner (a pharmacy visit at a pharmacy, an
    outpatient one at a hospital, unless `visit` says); returns the settlement id."""
    if visit is None:
        with rt.db.read() as s:
            hospital = s.get(Institution, partner_principal.id).kind == "hospital"
        visit = VisitType.OUTPATIENT if hospital else VisitType.PHARMACY
    map_lines(rt, partner_principal.id, lines)
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
                    s.overlmt_selfpay_fen, *s.payments.values()]) >= 0
    for component in ("fund_fen", "deductible_fen", "copay_fen", "b_self_first_fen", "self_pay_fen",
                      "non_medical_fen", "cash_fen", "overlmt_selfpay_fen"):
        assert sum(getattr(s, component) for s in split.lines) == getattr(split, component), component
    for key, total in split.payments.items():
        assert sum(s.payments.get(key, 0) for s in split.lines) == total
    # The deductible and the fund stay within what is left of the year.
    assert split.deductible_fen <= max(0, params.deductible_fen[insurance] - ytd.deductible_used_fen)
    assert split.fund_fen <= max(0, params.annual_fund_cap_fen[insurance] - ytd.fund_paid_fen)
