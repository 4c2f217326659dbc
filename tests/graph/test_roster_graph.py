"""Roster imports through the graph: an admin uploads, follows the job, confirms; the problems come by row."""

from __future__ import annotations

import io

from backend.services.roster.roster_jobs import JOBS
from backend.storage.models import Person
from tests.helpers import count, gql, staff
from tests.roster_files import id_number

START = """mutation($file: Upload!) { startRosterImport(input: {file: $file}) {
  __typename ... on RosterImportPayload { rosterImport { id status } } ... on OperationError { code } } }"""
READ = """query($id: ID!) { rosterImport(id: $id) { status totalRows errorCount newCount adjustedCount adjustedNetFen
  createdByName errors(first: 5) { totalCount edges { node { row column header value code message } } } } }"""
CONFIRM = """mutation($id: ID!) { confirmRosterImport(input: {importId: $id}) {
  __typename ... on RosterImportPayload { rosterImport { status } } ... on OperationError { code } } }"""


class Upload:
    def __init__(self, text: str) -> None:
        self.filename = "roster.csv"
        self.file = io.BytesIO(text.encode("utf-8"))


def _start(rt, admin, text: str) -> str:
    result = gql(rt, admin, START, file=Upload(text))
    assert result.errors is None, result.errors
    JOBS.drain()
    return result.data["startRosterImport"]["rosterImport"]["id"]


def test_an_admin_imports_through_the_graph(rt):
    admin = staff(rt, "admin")
    import_id = _start(rt, admin, "id_number,name,phone,insurance_type,region_code,status,balance_yuan\n"
                                  f"{id_number(1)},王强,,employee,370102,active,20.00\n")
    ready = gql(rt, admin, READ, id=import_id).data["rosterImport"]
    assert (ready["status"], ready["totalRows"], ready["newCount"], ready["createdByName"]) == \
        ("READY", 1, 1, "admin user")
    assert gql(rt, admin, CONFIRM, id=import_id).data["confirmRosterImport"]["rosterImport"]["status"] == "APPLYING"
    JOBS.drain()
    done = gql(rt, admin, READ, id=import_id).data["rosterImport"]
    assert (done["status"], done["adjustedCount"], done["adjustedNetFen"]) == ("DONE", 1, 2000)
    assert count(rt, Person) == 1
    # Confirming twice is a typed refusal.
    assert gql(rt, admin, CONFIRM, id=import_id).data["confirmRosterImport"]["code"] == "ROSTER_STATE"


def test_problems_are_listed_by_row_and_column_in_the_callers_language(rt):
    admin = staff(rt, "admin")
    import_id = _start(rt, admin, "身份证号,姓名,险种,统筹区,参保状态,个人账户余额\n"
                                  f"{id_number(2)},李雷,resident,370102,gone,\n")
    read = gql(rt, admin, READ, locale="zh_CN", id=import_id).data["rosterImport"]
    assert read["status"] == "INVALID" and read["errorCount"] == 1
    [error] = [e["node"] for e in read["errors"]["edges"]]
    assert (error["row"], error["column"], error["header"], error["value"], error["code"]) == \
        (2, "status", "参保状态", "gone", "STATUS_UNKNOWN")
    assert "参保" in error["message"]
    assert count(rt, Person) == 0


def test_the_same_file_again_is_said_to_be_imported_already(rt):
    admin = staff(rt, "admin")
    text = f"id_number,name,phone,insurance_type,region_code,status,balance_yuan\n{id_number(3)},王强,,resident,370102,active,\n"
    query = START.replace("rosterImport { id status }", "alreadyImported rosterImport { id status }")
    first = gql(rt, admin, query, file=Upload(text)).data["startRosterImport"]
    JOBS.drain()
    again = gql(rt, admin, query, file=Upload(text)).data["startRosterImport"]
    assert (first["alreadyImported"], again["alreadyImported"]) == (False, True)
    assert again["rosterImport"]["id"] == first["rosterImport"]["id"] and again["rosterImport"]["status"] == "READY"


def test_a_file_goes_up_over_http_as_a_multipart_request(rt):
    import json

    from starlette.testclient import TestClient

    from backend.config import PROJECT_ROOT
    from web.app import create_app

    staff(rt, "admin", username="adminhttp")
    with TestClient(create_app(rt)) as client:
        token = client.post("/auth/token", json={"username": "adminhttp", "password": "pw"}).json()["access_token"]
        operations = {"query": "mutation($f: Upload!) { startRosterImport(input: {file: $f}) { __typename "
                               "... on RosterImportPayload { rosterImport { id status } } } }", "variables": {"f": None}}
        answer = client.post("/graphql", headers={"Authorization": f"Bearer {token}"}, data={
            "operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
            files={"0": ("roster.csv", (PROJECT_ROOT / "docs/examples/roster.csv").read_bytes(), "text/csv")})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["startRosterImport"]["rosterImport"]["status"] == "PENDING"
    JOBS.drain()
