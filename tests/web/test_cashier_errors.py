"""Errors a cashier can use: every bad line at once, separate codes for price and quantity, an unknown enum
value as a coded and translated INVALID_INPUT naming the field, and INVALID_INPUT saying why."""

import pytest
from starlette.testclient import TestClient

from backend.services.family_account import codes
from tests.helpers import actor_of, gql, partner
from tests.money import jinan_family
from web.app import create_app

SETTLE = """mutation($input: SettleInput!) { settle(input: $input) {
  __typename ... on OperationError { code field message lineErrors { line code field message } } } }"""


def _input(rt, fam, lines, **extra):
    code = codes.issue_code(rt, actor_of(fam.daughter), fam.daughter.id).text
    return {"code": code, "visitType": "PHARMACY", "serviceDate": rt.clock.now().date().isoformat(),
            "idempotencyKey": "cashier-0001", "lines": lines, **extra}


def _line(item="A1", name="阿莫西林", category="A", price=10_00, quantity=1):
    return {"itemCode": item, "name": name, "category": category, "unitPriceFen": price, "quantity": quantity}


@pytest.mark.serializable
def test_every_bad_line_is_reported_at_once(rt):
    fam = jinan_family(rt)
    lines = [_line(), _line(price=0), _line(quantity=0), _line(item="", price=-5, quantity=100_001), _line()]
    refused = gql(rt, fam.pharmacy, SETTLE, input=_input(rt, fam, lines)).data["settle"]
    assert (refused["code"], refused["field"]) == ("LINE_PRICE_INVALID", "lines")
    assert [(e["line"], e["code"], e["field"]) for e in refused["lineErrors"]] == [
        (2, "LINE_PRICE_INVALID", "unitPriceFen"), (3, "LINE_QUANTITY_INVALID", "quantity"),
        (4, "LINE_TEXT_INVALID", "itemCode"), (4, "LINE_PRICE_INVALID", "unitPriceFen"),
        (4, "LINE_QUANTITY_INVALID", "quantity")]
    assert refused["lineErrors"][0]["message"] == refused["message"] == "Line 2: the unit price must be more than zero."
    zh = gql(rt, fam.pharmacy, SETTLE, locale="zh_CN", input=_input(rt, fam, lines)).data["settle"]
    assert "第 3 行" in zh["lineErrors"][1]["message"]


@pytest.mark.serializable
def test_invalid_input_says_which_field_and_why(rt):
    fam = jinan_family(rt)
    refused = gql(rt, fam.pharmacy, SETTLE, input=_input(rt, fam, [_line()], idempotencyKey="short")).data["settle"]
    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", "idempotencyKey")
    assert refused["message"] == "The input is not valid: an idempotency key has 8 to 80 characters."
    page = gql(rt, fam.pharmacy, "{ viewer { ... on Institution { settlements(after: \"nonsense\") { totalCount } } } }")
    error = page.errors[0]
    assert error.extensions == {"code": "INVALID_INPUT", "field": "after"} and "endCursor" in error.message


@pytest.mark.one_database
def test_an_unknown_enum_value_is_a_coded_translated_error_naming_the_field(rt):
    fam = jinan_family(rt)
    _, key = partner(rt)
    body = {"query": SETTLE, "variables": {"input": _input(rt, fam, [_line(), _line(category="D")], visitType="SHOP")}}
    with TestClient(create_app(rt), base_url="http://testserver") as client:
        answer = client.post("/graphql", json=body, headers={"Authorization": f"Bearer {key}", "Accept-Language": "en"})
        errors = answer.json()["errors"]
        assert answer.json()["data"] is None
        assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in errors] == [
            ("INVALID_INPUT", "visitType"), ("INVALID_INPUT", "lines[1].category")]
        assert errors[1]["message"] == ("The input is not valid: lines[1].category does not take 'D'; "
                                        "it takes A, B, C, NON_MEDICAL.")
        assert "does not exist in 'ItemCategory' enum" in errors[1]["extensions"]["detail"]
        zh = client.post("/graphql", json=body, headers={"Authorization": f"Bearer {key}", "Accept-Language": "zh-CN"})
        assert zh.json()["errors"][1]["extensions"]["field"] == "lines[1].category"
        assert zh.json()["errors"][1]["message"] != errors[1]["message"]
        missing = client.post("/graphql", headers={"Authorization": f"Bearer {key}", "Accept-Language": "en"},
                              json={"query": SETTLE, "variables": {"input": {"code": "x"}}}).json()["errors"]
        assert [e["extensions"]["field"] for e in missing] == ["visitType", "serviceDate", "lines", "idempotencyKey"]
        assert missing[0]["message"] == "The input is not valid: visitType is required."
