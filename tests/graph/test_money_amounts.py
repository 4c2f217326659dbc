"""Money in the graph holds every amount the domain accepts (D1), and bad values are the caller's errors (D6)."""

import json
import logging
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.domain.settlement import MAX_BILL_FEN, MAX_LINE_FEN, MAX_LINES
from backend.services.family_account import codes
from backend.storage.models import LedgerTransaction, Settlement
from tests.graph.test_mutual_aid_graph import SETTLE
from tests.helpers import actor_of, count, gql, household_principal
from tests.money import jinan_family, map_lines

PARTNER_SETTLEMENTS = "{ viewer { ... on Institution { settlements { edges { node { id billFen cashFen } } } } } }"
PERSON_SETTLEMENTS = "{ viewer { ... on Person { settlements { edges { node { id billFen selfPayFen } } } } } }"
TWO_POW_31 = 2**31


@pytest.fixture
def fam(rt):
    return jinan_family(rt)


def _input(rt, fam, lines, key="amounts-0001"):
    map_lines(rt, fam.pharmacy.id, lines)
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    return {"code": code, "visitType": "PHARMACY", "serviceDate": rt.clock.now().date().isoformat(),
            "idempotencyKey": key, "lines": lines}


def _line(price, quantity=1, category="C", code=None, name="x"):
    code = code or f"1-{category}"  # one item code per class
    return {"itemCode": code, "name": name, "category": category, "unitPriceFen": price, "quantity": quantity}


@pytest.mark.serializable
def test_a_bill_above_two_to_the_31_fen_reaches_the_partner_and_every_list(rt, fam):
    result = gql(rt, fam.pharmacy, SETTLE, input=_input(rt, fam, [_line(TWO_POW_31 - 1, quantity=2)]))
    assert result.errors is None
    settled = result.data["settle"]["settlement"]
    assert settled["billFen"] == 2 * (TWO_POW_31 - 1) and settled["ownAccountFen"] == 3_256_80
    assert settled["cashFen"] == 2 * (TWO_POW_31 - 1) - 3_256_80
    partner = gql(rt, fam.pharmacy, PARTNER_SETTLEMENTS)
    assert partner.errors is None
    assert partner.data["viewer"]["settlements"]["edges"][0]["node"]["billFen"] == 2 * (TWO_POW_31 - 1)
    own = gql(rt, household_principal(fam.father), PERSON_SETTLEMENTS)
    assert own.errors is None and own.data["viewer"]["settlements"]["edges"][0]["node"]["selfPayFen"] > TWO_POW_31


@pytest.mark.parametrize(("lines", "code"), [
    ([_line(MAX_LINE_FEN // 2 + 1, quantity=2)], "LINE_TOO_LARGE"),
    ([_line(MAX_LINE_FEN), _line(1)], "BILL_TOO_LARGE"),
    ([_line(100, code="9" * 41)], "LINE_TEXT_INVALID"),
    ([_line(100, name="药" * 101)], "LINE_TEXT_INVALID"),
    ([_line(100, name="阿莫西林\x00胶囊")], "LINE_TEXT_INVALID"),
    ([_line(100, code="86\n9001")], "LINE_TEXT_INVALID"),
    ([_line(100, quantity=100_001)], "LINE_QUANTITY_INVALID"),
    ([_line(0)], "LINE_PRICE_INVALID"),
])
def test_bills_beyond_the_documented_limits_are_refused_and_nothing_is_written(rt, fam, lines, code):
    data = _input(rt, fam, lines)
    refused = gql(rt, fam.pharmacy, SETTLE, input=data).data["settle"]
    assert refused["code"] == code and refused["field"] == "lines" and refused["message"]
    assert count(rt, Settlement) == 0
    # The code was not used up: the same code settles a bill within the limits.
    retry = gql(rt, fam.pharmacy, SETTLE, input={**data, "idempotencyKey": "amounts-0002", "lines": [_line(100)]})
    assert retry.data["settle"]["__typename"] == "SettlementPayload"


@pytest.mark.serializable
def test_the_largest_bill_allowed_settles(rt, fam):
    per_line = MAX_BILL_FEN // 2
    result = gql(rt, fam.pharmacy, SETTLE, input=_input(rt, fam, [_line(per_line), _line(per_line, category="A")]))
    assert result.errors is None and result.data["settle"]["settlement"]["billFen"] == MAX_BILL_FEN


@pytest.mark.parametrize(("path", "value"), [
    ("visitType", "DENTIST"), ("serviceDate", "2026-13-45"), ("quantity", 1.5), ("quantity", "2"),
    ("quantity", 2**40), ("unitPriceFen", 12.5), ("unitPriceFen", "100"), ("unitPriceFen", 2**60),
    ("unitPriceFen", True),
])
@pytest.mark.one_database
def test_a_bad_variable_value_is_a_validation_error_naming_the_variable(rt, fam, caplog, path, value):
    data = _input(rt, fam, [_line(100)])
    if path in ("quantity", "unitPriceFen"):
        data["lines"][0][path] = value
    else:
        data[path] = value
    with caplog.at_level(logging.INFO):
        result = gql(rt, fam.pharmacy, SETTLE, input=data)
    assert result.data is None
    (error,) = result.errors
    assert error.message.startswith("Variable '$input'") and path in error.message
    assert "Unexpected error" not in error.message
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # a client error, not a crash
    assert count(rt, LedgerTransaction) == fam_openings(rt)


def fam_openings(rt) -> int:
    """Opening balances are ledger transactions too; a refused request adds none."""
    with rt.db.read() as s:
        from sqlmodel import func, select
        return s.exec(select(func.count()).select_from(LedgerTransaction)
                      .where(LedgerTransaction.kind == "opening")).one()


@pytest.mark.one_database
@pytest.mark.parametrize("literal", ["12.5", '"100"', "99999999999999999999"])
def test_a_bad_literal_amount_is_a_validation_error(rt, fam, literal):
    document = ('mutation { settle(input: {code: "YB1X", visitType: PHARMACY, serviceDate: "2026-03-01", '
                'idempotencyKey: "literal-0001", lines: [{itemCode: "1", name: "x", category: C, '
                f'unitPriceFen: {literal}}}]}}) {{ __typename }} }}')
    result = gql(rt, fam.pharmacy, document)
    assert result.data is None and "Fen" in result.errors[0].message


@st.composite
def bills(draw):
    n = draw(st.integers(1, 6))
    budget = MAX_BILL_FEN
    lines = []
    for i in range(n):
        quantity = draw(st.integers(1, 100))
        top = min(MAX_LINE_FEN, budget) // quantity
        if top < 1:
            break
        price = draw(st.one_of(st.integers(1, top), st.just(top), st.integers(max(1, min(top, TWO_POW_31 - 10)), top)))
        category = draw(st.sampled_from(["A", "B", "C", "NON_MEDICAL"]))
        lines.append(_line(price, quantity, category, code=f"{i}-{category}", name=draw(st.text(
            st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), min_size=1, max_size=100).filter(str.strip))))
        budget -= price * quantity
    assert len(lines) <= MAX_LINES
    return lines


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=bills())
def test_every_accepted_bill_reaches_its_caller_whole(rt, fam, lines):
    """Whatever the domain accepts, the full SettlementPayload serializes: a committed settlement is never an error."""
    result = gql(rt, fam.pharmacy, SETTLE, input=_input(rt, fam, lines, key=str(uuid.uuid4())))
    assert result.errors is None, result.errors
    settled = result.data["settle"]
    assert settled["__typename"] == "SettlementPayload", settled
    s = settled["settlement"]
    assert s["billFen"] == sum(ln["unitPriceFen"] * ln["quantity"] for ln in lines)
    paid_by_family = sum(m["amountFen"] for m in s["mutualAid"])
    assert s["fundFen"] + s["ownAccountFen"] + paid_by_family + s["cashFen"] == s["billFen"]
    assert sum(ln["amountFen"] for ln in s["lines"]) == s["billFen"]
    json.dumps(result.data)  # plain JSON all the way down
