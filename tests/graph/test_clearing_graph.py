"""Clearing through the graph: clerk prepares, auditor deducts and approves, admin pays; maker-checker as a
typed error; a partner reads its own statement only; the payee account masked to all but admins; the
bank's payout file with its control total."""

import csv
import io

import pytest

from backend.graph.core.ids import from_global_id, to_global_id
from backend.principals import Actor, Channel
from backend.services.clearing import payout
from tests.clearing import china, march_world
from tests.helpers import gql, household_principal, staff

pytestmark = pytest.mark.serializable

RESULT = "__typename ... on OperationError { code field message }"
BATCH = "... on ClearingBatchPayload { batch { id status month payableFen lines { institution { name } insutype " \
        "clrType settlements refunds payableFen deductedFen } } }"


def _data(result):
    assert not result.errors, result.errors
    return result.data


def test_the_month_from_prepare_to_paid_through_the_graph(rt):
    fam, ids = march_world(rt)
    auditor, admin = staff(rt, "auditor"), staff(rt, "admin")
    china(rt, 2026, 4, 2)
    prepared = _data(gql(rt, fam.clerk, f'mutation {{ prepareClearing(input: {{month: "2026-03"}}) {{ {RESULT} {BATCH} }} }}'))
    batch = prepared["prepareClearing"]["batch"]
    assert batch["status"] == "prepared" and {ln["clrType"] for ln in batch["lines"]} == {"11", "41"}
    again = _data(gql(rt, admin, f'mutation {{ prepareClearing(input: {{month: "2026-03"}}) {{ {RESULT} }} }}'))
    assert again["prepareClearing"]["code"] == "BATCH_EXISTS" and again["prepareClearing"]["field"] == "month"
    early = _data(gql(rt, fam.clerk, f'mutation {{ prepareClearing(input: {{month: "2026-04"}}) {{ {RESULT} }} }}',
                      locale="zh-CN"))
    assert early["prepareClearing"]["code"] == "MONTH_NOT_ENDED"

    deduct = ('mutation($b: ID!, $s: ID!, $fen: Fen!) { deductFromSettlement(input: {batchId: $b, settlementId: $s, '
              'amountFen: $fen, reason: "不合理用药"}) { ' + RESULT +
              " ... on ClearingDeductionPayload { deduction { amountFen fundFen personalFen reason } batch { payableFen } } } }")
    father = to_global_id("Settlement", ids["father"])
    too_much = _data(gql(rt, auditor, deduct, b=batch["id"], s=father, fen=10_000_00))
    assert too_much["deductFromSettlement"]["code"] == "DEDUCTION_TOO_LARGE"
    cut = _data(gql(rt, auditor, deduct, b=batch["id"], s=father, fen=20_00))["deductFromSettlement"]
    assert cut["deduction"]["amountFen"] == 20_00 and cut["batch"]["payableFen"] == batch["payableFen"] - 20_00
    shown = "query($s: ID!) { node(id: $s) { ... on Settlement { clearingDeductedFen } } }"
    assert _data(gql(rt, auditor, shown, s=father))["node"]["clearingDeductedFen"] == 20_00  # the settlement shows it
    assert _data(gql(rt, fam.hospital, shown, s=father))["node"]["clearingDeductedFen"] == 20_00  # its institution too
    daughter = to_global_id("Settlement", ids["daughter"])
    assert _data(gql(rt, auditor, shown, s=daughter))["node"]["clearingDeductedFen"] == 0

    approve = ("mutation($b: ID!) { approveClearing(input: {batchId: $b}) { " + RESULT +
               " ... on ClearingBatchPayload { batch { status } } } }")
    assert _data(gql(rt, fam.clerk, approve, b=batch["id"]))["approveClearing"]["code"] == "NOT_ALLOWED"
    assert _data(gql(rt, auditor, approve, b=batch["id"]))["approveClearing"]["batch"]["status"] == "approved"

    set_payee = ('mutation($p: ID!) { setPayeeAccount(input: {partnerId: $p, bankName: "中国工商银行济南分行", '
                 'accountNumber: "6222 0212 3456 7890", reason: "签约"}) { ' + RESULT +
                 " ... on PayeeAccountPayload { partner { payeeBankName payeeAccountNumber } } } }")
    for who in (fam.hospital, fam.pharmacy):
        done = _data(gql(rt, admin, set_payee, p=to_global_id("Institution", who.id)))["setPayeeAccount"]
        assert done["partner"]["payeeAccountNumber"] == "6222021234567890"
    pay = ('mutation($b: ID!) { payClearing(input: {batchId: $b, bankReference: "ICBC-20260405-001"}) { ' + RESULT +
           " ... on ClearingBatchPayload { batch { status } } } }")
    assert _data(gql(rt, auditor, pay, b=batch["id"]))["payClearing"]["code"] == "NOT_ALLOWED"
    assert _data(gql(rt, admin, pay, b=batch["id"]))["payClearing"]["batch"]["status"] == "paid"

    # The bank's file: one row per institution owed money, then the control row.
    name, body = payout.payout_file(rt, Actor(admin, Channel.CONSOLE), _key(batch["id"]), "gb18030")
    rows = list(csv.reader(io.StringIO(body.decode("gb18030"))))
    assert name == "payout-2026-03-gb18030.csv" and rows[0][0] == "seq"
    payments, control = rows[1:-1], rows[-1]
    assert control[0] == "TOTAL" and int(control[1]) == len(payments) == 2
    assert control[4] == f"{sum(int(r[4].replace('.', '')) for r in payments) / 100:.2f}"
    assert f"{(batch['payableFen'] - 20_00) / 100:.2f}" == control[4]
    assert all(r[2] == "中国工商银行济南分行" and r[3] == "6222021234567890" for r in payments)


def _key(global_id):
    return from_global_id(global_id, "ClearingBatch")[1]


STATEMENT = ('query($m: String!) { clearingStatement(month: $m) { month status payableFen institution { name '
             'payeeAccountNumber } lines { clrType settlements payableFen } } }')


def test_a_partner_reads_its_own_statement_and_sees_its_account_masked(rt):
    fam, _ = march_world(rt)
    admin, clerk = staff(rt, "admin"), fam.clerk
    china(rt, 2026, 4, 2)
    gql(rt, admin, 'mutation($p: ID!) { setPayeeAccount(input: {partnerId: $p, bankName: "Bank of Jinan", '
                   'accountNumber: "62220212345678", reason: "contract"}) { __typename } }',
        p=to_global_id("Institution", fam.pharmacy.id))
    assert _data(gql(rt, fam.pharmacy, STATEMENT, m="2026-03"))["clearingStatement"] is None  # not prepared yet
    gql(rt, clerk, 'mutation { prepareClearing(input: {month: "2026-03"}) { __typename } }')

    mine = _data(gql(rt, fam.pharmacy, STATEMENT, m="2026-03"))["clearingStatement"]
    assert mine["institution"]["name"] == fam.pharmacy.name and mine["status"] == "prepared"
    assert [ln["clrType"] for ln in mine["lines"]] == ["41"]
    assert mine["institution"]["payeeAccountNumber"] == "**********5678"
    # A partner's statement is always its own: a hospital sees only the hospital's lines.
    theirs = _data(gql(rt, fam.hospital, STATEMENT, m="2026-03"))["clearingStatement"]
    assert theirs["institution"]["name"] == fam.hospital.name and [ln["clrType"] for ln in theirs["lines"]] == ["11"]
    bad = gql(rt, fam.pharmacy, STATEMENT, m="March")
    assert bad.errors and bad.errors[0].extensions["code"] == "MONTH_INVALID"

    by_staff = ('query($m: String!, $i: ID) { clearingStatement(month: $m, institutionId: $i) { payableFen '
                'institution { payeeAccountNumber } } }')
    as_clerk = _data(gql(rt, clerk, by_staff, m="2026-03", i=to_global_id("Institution", fam.pharmacy.id)))
    assert as_clerk["clearingStatement"]["institution"]["payeeAccountNumber"] == "**********5678"
    as_admin = _data(gql(rt, admin, by_staff, m="2026-03", i=to_global_id("Institution", fam.pharmacy.id)))
    assert as_admin["clearingStatement"]["institution"]["payeeAccountNumber"] == "62220212345678"
    assert as_admin["clearingStatement"]["payableFen"] == mine["payableFen"]
    household = gql(rt, household_principal(fam.father), STATEMENT, m="2026-03")
    assert household.errors and household.errors[0].extensions["code"] == "FORBIDDEN"
