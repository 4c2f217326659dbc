"""Query.quote (预结算) through the graph: the settle that follows shows the same figures; refusals are typed."""

import pytest

from backend.services.family_account import codes
from tests.helpers import actor_of, audit_events, gql, household_principal
from tests.money import grant, jinan_family, map_lines

pytestmark = pytest.mark.serializable

FIGURES = """fundFen deductibleFen copayFen bSelfFirstFen selfPayFen nonMedicalFen overlmtSelfpayFen cashFen billFen
  personalBurdenFen
  ownAccountFen mutualAid { grantId grantorMaskedName amountFen } payerOrder cashOnly parametersLabel parametersId"""
LINE_FIGURES = ("fundFen deductibleFen copayFen cashFen amountFen overlmtSelfpayFen inCatalogue nationalCode priceCapFen "
                "payments { pool amountFen }")
QUOTE = f"""query($input: QuoteInput!) {{ quote(input: $input) {{
  __typename ... on SettlementQuote {{ {FIGURES} lines {{ lineNo itemCode category {LINE_FIGURES} }} }}
  ... on OperationError {{ code field message }} }} }}"""
SETTLE = f"""mutation($input: SettleInput!) {{ settle(input: $input) {{
  ... on SettlementPayload {{ settlement {{ {FIGURES} lines {{ lineNo itemCode category {LINE_FIGURES} }} }} }}
  ... on OperationError {{ code field message }} }} }}"""


def _bill(rt, code: str, **extra):
    return {"code": code, "visitType": "PHARMACY", "serviceDate": rt.clock.now().date().isoformat(),
            "lines": [{"itemCode": "A1", "name": "阿莫西林", "category": "A", "unitPriceFen": 150_00},
                      {"itemCode": "C1", "name": "维生素", "category": "C", "unitPriceFen": 15_00, "quantity": 2},
                      {"itemCode": "N1", "name": "口罩", "category": "NON_MEDICAL", "unitPriceFen": 5_00}], **extra}


def test_the_quote_is_what_settle_then_shows(rt):
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    code = codes.issue_code(rt, actor_of(fam.daughter), fam.daughter.id).text
    map_lines(rt, fam.pharmacy.id, _bill(rt, code)["lines"])  # the pharmacy's items, mapped to the catalogue
    quoted = gql(rt, fam.pharmacy, QUOTE, input=_bill(rt, code)).data["quote"]
    assert quoted.pop("__typename") == "SettlementQuote"
    assert (quoted["cashFen"], quoted["mutualAid"][0]["grantorMaskedName"]) == (5_00, "张*")
    assert len(audit_events(rt, "person.read")) == 1  # which grantor would pay is a read of personal data (R15)
    again = gql(rt, fam.pharmacy, QUOTE, input=_bill(rt, code)).data["quote"]  # the code is still live
    assert again.pop("__typename") == "SettlementQuote" and again == quoted
    settled = gql(rt, fam.pharmacy, SETTLE, input=_bill(rt, code, idempotencyKey="after-the-quote")).data["settle"]
    assert settled["settlement"] == quoted


def test_a_quote_is_refused_with_settles_codes_and_only_to_partners(rt):
    fam = jinan_family(rt)
    code = codes.issue_code(rt, actor_of(fam.daughter), fam.daughter.id).text
    refused = gql(rt, fam.pharmacy, QUOTE, input=_bill(rt, code, allowCash=False)).data["quote"]
    assert (refused["code"], refused["field"]) == ("INSUFFICIENT_FUNDS", "allowCash")
    result = gql(rt, household_principal(fam.daughter), QUOTE, input=_bill(rt, code))
    assert result.data["quote"] is None and result.errors[0].extensions["code"] == "FORBIDDEN"
