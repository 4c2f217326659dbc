"""PaymentReconciliation: what a paid clearing batch paid one institution for a month (R16), with one detail per
clearing key (insurance type 310/390 × clearing type 11/21/41) and its parts.

The id is `<YYYYMM>-<institution id>`; only paid batches are shown. A partner reads and searches its own;
staff name the institution (`requestor`). The graph's `clearingStatement` decides, as for the 结算单 page.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from backend.clock import CHINA
from backend.domain.errors import N_
from backend.principals import PrincipalKind
from web.fhir import systems
from web.fhir.capability import Capability, SearchParam
from web.fhir.datatypes import coding, compact, concept, extension, fhir_id, graph_id_or_none, money
from web.fhir.http import Call
from web.fhir.outcome import SEARCH_BY, FhirError, not_found
from web.fhir.search import Search, entry, reference_id, searchset

TYPE = "PaymentReconciliation"
DOCUMENT = "payment_reconciliation.graphql"
INSURER = N_("Basic medical insurance fund")
PAID = N_("Clearing of {month} paid")
ID = re.compile(r"^(\d{4})(\d{2})-([0-9a-f-]{36})$")
PARTS = (("billFen", "bill"), ("fundFen", "fund"), ("ownAccountFen", "own-account"), ("mutualAidFen", "mutual-aid"),
         ("cashFen", "cash"), ("deductedFen", "deducted"))

CAPABILITY = Capability(TYPE, read=True, search=(
    SearchParam("period", "date", "`YYYY-MM`: the cleared month (required)."),
    SearchParam("requestor", "reference", "`Organization/<institution id>`: staff name the institution; a partner "
                                          "leaves it out and gets its own."),
), documentation="A paid month's clearing for one institution: the payment (amount, date, bank reference) and one "
                 "detail per insurance type × clearing type with its bills, fund, own account, mutual aid, cash "
                 "(never cleared) and deductions.")


def _date(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(CHINA).date().isoformat()


def _detail(line: dict[str, Any], statement: dict[str, Any], payee: dict[str, Any]) -> dict[str, Any]:
    key = f"{line['insutype']}-{line['clrType']}"
    return {
        "extension": [extension(f"{systems.EXT_CLEARING_PART}-{code}", valueMoney=money(line[field]))
                      for field, code in PARTS]
        + [extension(f"{systems.EXT_CLEARING_COUNT}-{kind}", valueInteger=line[kind]) for kind in ("settlements", "refunds")],
        "identifier": {"system": systems.CLEARING_KEY, "value": key},
        "type": concept(coding(systems.CLEARING_KEY, key)),
        "payee": payee,
        "date": _date(statement["paidAt"]),
        "amount": money(line["payableFen"]),
    }


def from_statement(call: Call, statement: dict[str, Any]) -> dict[str, Any]:
    institution = statement["institution"]
    year, month = statement["month"].split("-")
    resource_id = f"{year}{month}-{fhir_id(institution['id'])}"
    payee = {"identifier": {"system": systems.INSTITUTION, "value": fhir_id(institution["id"])},
             "display": institution["name"]}
    last_day = (datetime(int(year) + int(month) // 12, int(month) % 12 + 1, 1) - datetime(int(year), int(month), 1)).days
    return compact({
        "resourceType": TYPE,
        "id": resource_id,
        "identifier": [{"system": systems.CLEARING, "value": resource_id}],
        "status": "active",
        "period": {"start": f"{year}-{month}-01", "end": f"{year}-{month}-{last_day:02d}"},
        "created": statement["paidAt"],
        "paymentIssuer": {"display": call.gettext(INSURER)},
        "outcome": "complete",
        "disposition": call.gettext(PAID, month=statement["month"]),
        "paymentDate": _date(statement["paidAt"]),
        "paymentAmount": money(statement["payableFen"]),
        "paymentIdentifier": {"system": systems.BANK_REFERENCE, "value": statement["bankReference"]},
        "detail": [_detail(line, statement, payee) for line in statement["lines"]],
    })


async def _statement(call: Call, month: str, institution: str | None) -> dict[str, Any] | None:
    """The paid statement of `month` (YYYY-MM) for `institution` (a UUID; a partner's own when None)."""
    global_id = graph_id_or_none("Institution", institution) if institution else None
    if institution and global_id is None:
        return None
    if call.principal.kind is not PrincipalKind.PARTNER and global_id is None:
        raise FhirError(400, "required", SEARCH_BY, resource=TYPE, names="period, requestor")
    statement = (await call.run(DOCUMENT, TYPE, month=month, institutionId=global_id))["clearingStatement"]
    if statement is None or statement["status"] != "paid":
        return None
    if institution and fhir_id(statement["institution"]["id"]) != str(uuid.UUID(institution)):
        return None  # a partner asking for another institution's: its own is not what was asked
    return statement


async def read(call: Call) -> dict[str, Any]:
    found = ID.match(call.request.path_params["id"])
    if not found:
        raise not_found(TYPE)
    statement = await _statement(call, f"{found[1]}-{found[2]}", found[3])
    if statement is None:
        raise not_found(TYPE)
    return from_statement(call, statement)


async def search(call: Call) -> dict[str, Any]:
    query = Search(call, TYPE, ("period", "requestor"))
    period = query.get("period")
    if period is None or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise FhirError(400, "required", SEARCH_BY, resource=TYPE, names="period")
    requestor = query.get("requestor")
    statement = await _statement(call, period, reference_id(requestor, "Organization") if requestor else None)
    return searchset(call, [entry(call, from_statement(call, statement))] if statement else [])
