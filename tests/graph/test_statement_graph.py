"""Person.statement(year) and Grant.paidIn(year) through the graph, on both databases: the burden as
settled (refunds and non-medical goods left out), who may see it, and a bad year as a typed error."""

from datetime import date

import pytest

from backend.domain.settlement import VisitType
from backend.principals import Actor, Channel
from backend.services.family_account import bindings, codes
from backend.services.money import settlement
from tests.helpers import actor_of, gql, household_principal
from tests.money import grant, jinan_family, lift_service_date_limits, line, map_lines

STATEMENT = """query($year: Int!) { viewer { ... on Person { statement(year: $year) { __typename
  ... on OperationError { code field }
  ... on YearlyStatement { year total { totalFen ownAccountFen mutualAidFen cashFen mutualAid { grantorName amountFen } }
    months { month burden { totalFen } } institutions { institutionName burden { totalFen cashFen } } } } } } }"""
OF_PERSON = """query($id: ID!, $year: Int!) { node(id: $id) { ... on Person { statement(year: $year) { __typename
  ... on YearlyStatement { total { totalFen } } } } } }"""
PAID_IN = """query($year: Int!) { viewer { ... on Person { grantsGiven { edges { node { paidIn(year: $year) {
  __typename ... on GrantYearPaid { year medicalFen premiumFen } ... on OperationError { code } } } } } } } }"""


def _settle(rt, place, presenter, subject, lines, day: date, key: str, visit=VisitType.PHARMACY):
    lift_service_date_limits(rt)  # January's bill is settled in March
    map_lines(rt, place.id, lines, day)
    code = codes.issue_code(rt, actor_of(presenter), subject.id).text
    return settlement.settle(rt, Actor(place, Channel.GRAPHQL), settlement.SettleRequest(
        code=code, visit_type=visit, service_date=day, lines=lines, idempotency_key=key))


@pytest.fixture
def fam(rt):
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.son)
    bindings.request_binding(rt, actor_of(fam.father), fam.son.id)  # a guardian binds a minor at once
    # The son: a C item paid by his father's grant and a throat sweet in cash, in January at the pharmacy;
    _settle(rt, fam.pharmacy, fam.father, fam.son, [line("C", 120_00), line("NON_MEDICAL", 8_50, code="Y")],
            date(2026, 1, 15), "statement-1")
    # in March at the hospital, two C items, one of them refunded afterwards.
    second = _settle(rt, fam.hospital, fam.father, fam.son, [line("C", 30_00), line("C", 45_00, code="Z")],
                     date(2026, 3, 2), "statement-2", VisitType.OUTPATIENT)
    settlement.refund(rt, Actor(fam.hospital, Channel.GRAPHQL), settlement.RefundRequest(
        second, (2,), idempotency_key="statement-refund"))
    return fam


def test_a_person_sees_their_burden_by_month_and_institution(rt, fam):
    s = gql(rt, household_principal(fam.son), STATEMENT, year=2026).data["viewer"]["statement"]
    assert s["__typename"] == "YearlyStatement" and s["year"] == 2026
    assert s["total"] == {"totalFen": 150_00, "ownAccountFen": 0, "mutualAidFen": 150_00, "cashFen": 0,
                          "mutualAid": [{"grantorName": "张伟", "amountFen": 150_00}]}
    assert {m["month"]: m["burden"]["totalFen"] for m in s["months"] if m["burden"]["totalFen"]} == {1: 120_00, 3: 30_00}
    assert [(p["institutionName"], p["burden"]["totalFen"]) for p in s["institutions"]] == [
        (fam.pharmacy.name, 120_00), (fam.hospital.name, 30_00)]


def test_the_person_own_account_and_cash_are_split(rt, fam):
    _settle(rt, fam.pharmacy, fam.mother, fam.mother, [line("C", 20_00)], date(2026, 2, 1), "statement-3")
    total = gql(rt, household_principal(fam.mother), STATEMENT, year=2026).data["viewer"]["statement"]["total"]
    assert (total["ownAccountFen"], total["mutualAidFen"], total["cashFen"]) == (20_00, 0, 0)
    assert gql(rt, household_principal(fam.mother), STATEMENT, year=2025).data["viewer"]["statement"]["total"][
        "totalFen"] == 0


@pytest.mark.parametrize("year", [1999, 2027])
def test_a_bad_year_is_a_typed_error(rt, fam, year):
    s = gql(rt, household_principal(fam.son), STATEMENT, year=year).data["viewer"]["statement"]
    assert s == {"__typename": "OperationError", "code": "STATEMENT_YEAR_INVALID", "field": "year"}


def test_a_guardian_holding_a_binding_with_view_account_sees_the_childs_statement(rt, fam):
    from backend.graph.core.ids import to_global_id

    son = to_global_id("Person", fam.son.id)
    # The father's binding for the son does not grant view_account by default: no statement.
    before = gql(rt, household_principal(fam.father), OF_PERSON, id=son, year=2026)
    assert before.data["node"]["statement"] is None and before.errors[0].extensions["code"] == "FORBIDDEN"
    binding = next(b for b in bindings_held(rt, fam.father) if b.subject_id == fam.son.id)
    bindings.set_binding_scopes(rt, actor_of(fam.father), binding.id, view_insurance=True, view_account=True)
    after = gql(rt, household_principal(fam.father), OF_PERSON, id=son, year=2026)
    assert after.data["node"]["statement"]["total"]["totalFen"] == 150_00


def bindings_held(rt, holder):
    from sqlmodel import select

    from backend.storage.models import Binding
    with rt.db.read() as s:
        return list(s.exec(select(Binding).where(Binding.holder_id == holder.id)).all())


def test_others_never_see_a_statement(rt, fam):
    from backend.graph.core.ids import to_global_id

    son = to_global_id("Person", fam.son.id)
    for caller in (household_principal(fam.mother), household_principal(fam.daughter), fam.pharmacy):
        result = gql(rt, caller, OF_PERSON, id=son, year=2026)
        assert not (result.data["node"] or {}).get("statement"), caller


def test_a_grantor_sees_only_the_totals_their_grant_paid(rt, fam):
    paid = gql(rt, household_principal(fam.father), PAID_IN, year=2026).data["viewer"]["grantsGiven"]["edges"]
    assert [e["node"]["paidIn"] for e in paid] == [
        {"__typename": "GrantYearPaid", "year": 2026, "medicalFen": 150_00, "premiumFen": 0}]
    assert gql(rt, household_principal(fam.father), PAID_IN, year=2025).data["viewer"]["grantsGiven"]["edges"][0][
        "node"]["paidIn"]["medicalFen"] == 0
    assert gql(rt, household_principal(fam.father), PAID_IN, year=3000).data["viewer"]["grantsGiven"]["edges"][0][
        "node"]["paidIn"] == {"__typename": "OperationError", "code": "STATEMENT_YEAR_INVALID"}
