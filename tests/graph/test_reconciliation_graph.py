"""reconcileTotals and reconcileDetails through the graph: typed errors, the file's problems by row and
column, the result file, and who may reconcile which institution."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from backend.clock import CHINA
from backend.domain.reconciliation import settlement_global_id
from backend.graph.core.ids import to_global_id
from backend.storage.models import Settlement
from tests.helpers import gql, household_principal
from tests.money import jinan_family, line, settle_for

TOTALS = """mutation($i: ReconcileTotalsInput!) { reconcileTotals(input: $i) { __typename
  ... on ReconcileTotals { balanced service { count billFen fundFen accountFen }
                           difference { count billFen fundFen accountFen } }
  ... on OperationError { code field message } } }"""
DETAILS = """mutation($first: Date!, $last: Date!, $file: Upload!, $inst: ID) {
  reconcileDetails(input: {first: $first, last: $last, file: $file, institutionId: $inst}) { __typename
  ... on ReconcileDetails { balanced counts { balanced onlyService onlyPartner different }
        results(unbalancedOnly: true) { settlementId code outcome differences visitId person row
                                        service { billFen refunded } partner { billFen } }
        csv }
  ... on ReconcileFileRejected { code message problemCount problems { row column code message value } }
  ... on OperationError { code field } } }"""


class Upload:
    def __init__(self, text: str, encoding: str = "utf-8") -> None:
        self.filename = "detail.csv"
        self.file = io.BytesIO(text.encode(encoding))


@pytest.fixture
def day(rt, fam, clock):
    """Two settlements at the pharmacy on one day; the clock then moves to the next day."""
    sids = [settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", 300_00)], key="visit-0001")[0],
            settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", 40_00)], key="visit-0002")[0]]
    settled = rt.clock.now().astimezone(CHINA).date()
    clock.advance(days=1)
    with rt.db.read() as s:
        return settled, [s.get(Settlement, sid) for sid in sids]


@pytest.fixture
def fam(rt):
    return jinan_family(rt)


def _totals(day, rows, **changes) -> dict:
    values = {"first": day.isoformat(), "last": day.isoformat(), "insuranceType": "EMPLOYEE",
              "visitType": "PHARMACY", "count": len(rows), "billFen": sum(r.bill_fen for r in rows),
              "fundFen": sum(r.fund_fen for r in rows),
              "accountFen": sum(r.bill_fen - r.fund_fen - r.cash_fen for r in rows)}
    values.update(changes)
    return values


def _line(row, **changes) -> str:
    values = {"id": settlement_global_id(row.id), "bill": f"{row.bill_fen / 100:.2f}",
              "fund": f"{row.fund_fen / 100:.2f}", "account": f"{(row.bill_fen - row.fund_fen - row.cash_fen) / 100:.2f}",
              "refunded": "0"}
    values.update(changes)
    return f"{values['id']},v,p,{values['bill']},{values['fund']},{values['account']},{values['refunded']}\n"


HEADER = "settlement_id,visit_id,person,bill_yuan,fund_yuan,account_yuan,refunded\n"


def test_a_partner_reconciles_totals_balanced_and_not(rt, fam, day):
    settled, rows = day
    answer = gql(rt, fam.pharmacy, TOTALS, i=_totals(settled, rows)).data["reconcileTotals"]
    assert answer["balanced"] and answer["service"]["count"] == 2
    answer = gql(rt, fam.pharmacy, TOTALS, i=_totals(settled, rows, billFen=1)).data["reconcileTotals"]
    assert not answer["balanced"] and answer["difference"]["billFen"] == 1 - sum(r.bill_fen for r in rows)


@pytest.mark.one_database
def test_typed_errors_for_the_range_another_institution_and_staff_without_one(rt, fam, day):
    settled, rows = day
    today = settled + timedelta(days=1)
    refused = gql(rt, fam.pharmacy, TOTALS, i=_totals(today, rows)).data["reconcileTotals"]
    assert (refused["__typename"], refused["code"], refused["field"]) == ("OperationError", "RECONCILE_RANGE_INVALID",
                                                                          "last")
    other = to_global_id("Institution", fam.hospital.id)
    refused = gql(rt, fam.pharmacy, TOTALS, i=_totals(settled, rows, institutionId=other)).data["reconcileTotals"]
    assert refused["code"] == "NOT_ALLOWED"
    refused = gql(rt, fam.clerk, TOTALS, i=_totals(settled, rows)).data["reconcileTotals"]
    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", "institutionId")
    mine = to_global_id("Institution", fam.pharmacy.id)
    assert gql(rt, fam.clerk, TOTALS, i=_totals(settled, rows, institutionId=mine)).data["reconcileTotals"]["balanced"]
    household = gql(rt, household_principal(fam.father), TOTALS, i=_totals(settled, rows)).data["reconcileTotals"]
    assert household["code"] == "NOT_ALLOWED"


def test_a_partner_uploads_its_detail_and_gets_one_result_per_settlement(rt, fam, day):
    settled, rows = day
    text = HEADER + _line(rows[0]) + _line(rows[1], fund="0.01")
    answer = gql(rt, fam.pharmacy, DETAILS, first=settled.isoformat(), last=settled.isoformat(),
                 file=Upload(text, "gb18030")).data["reconcileDetails"]
    assert answer["__typename"] == "ReconcileDetails"
    assert not answer["balanced"]
    assert answer["counts"] == {"balanced": 1, "onlyService": 0, "onlyPartner": 0, "different": 1}
    [different] = answer["results"]
    assert (different["code"], different["outcome"], different["differences"], different["visitId"],
            different["person"], different["row"]) == (3, "DIFFERENT", ["fund"], "visit-0002", "张*", 3)
    result = list(csv.DictReader(io.StringIO(answer["csv"])))
    assert sorted((r["settlement_id"], r["result"], r["memo"], r["fund_yuan"], r["partner_fund_yuan"])
                  for r in result) == sorted([
        (settlement_global_id(rows[0].id), "0", "", f"{rows[0].fund_fen / 100:.2f}", f"{rows[0].fund_fen / 100:.2f}"),
        (settlement_global_id(rows[1].id), "3", "fund", f"{rows[1].fund_fen / 100:.2f}", "0.01")])
    balanced = gql(rt, fam.pharmacy, DETAILS, first=settled.isoformat(), last=settled.isoformat(),
                   file=Upload(HEADER + _line(rows[0]) + _line(rows[1]))).data["reconcileDetails"]
    assert balanced["balanced"] and balanced["results"] == []


@pytest.mark.one_database
def test_a_malformed_file_names_its_rows_and_columns(rt, fam, day):
    settled, rows = day
    text = HEADER + _line(rows[0], bill="12.345") + _line(rows[1], id="nonsense", refunded="maybe")
    answer = gql(rt, fam.pharmacy, DETAILS, locale="zh_CN", first=settled.isoformat(), last=settled.isoformat(),
                 file=Upload(text)).data["reconcileDetails"]
    assert (answer["__typename"], answer["code"], answer["problemCount"]) == (
        "ReconcileFileRejected", "RECONCILE_FILE_INVALID", 3)
    assert [(p["row"], p["column"], p["code"], p["value"]) for p in answer["problems"]] == [
        (2, "bill_yuan", "AMOUNT", "12.345"), (3, "settlement_id", "SETTLEMENT_ID", "nonsense"),
        (3, "refunded", "FLAG", "maybe")]
    missing = gql(rt, fam.pharmacy, DETAILS, first=settled.isoformat(), last=settled.isoformat(),
                  file=Upload("settlement_id,bill_yuan\n")).data["reconcileDetails"]
    assert {(p["row"], p["column"], p["code"]) for p in missing["problems"]} == {
        (1, "fund_yuan", "MISSING_COLUMN"), (1, "account_yuan", "MISSING_COLUMN"), (1, "refunded", "MISSING_COLUMN")}
