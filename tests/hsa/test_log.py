"""The message log: staff search it on /console/hsa-log (auditors and admins), retention prunes it, /metrics
counts messages by infno and result; institution codes are set by admins, unique, audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from backend.domain.errors import DomainError, ErrorCode
from backend.graph.core.ids import to_global_id
from backend.observability import metrics
from backend.services.admin import partners
from backend.services.hsa import messages
from backend.storage.models import AuditEvent, HsaMessage
from tests.helpers import gql, staff
from tests.hsa.conftest import PHARMACY_CODE
from web.app import create_app


def _sample(name: str, **labels) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def _console(rt, role: str) -> TestClient:
    staff(rt, role, username=f"{role}h")
    client = TestClient(create_app(rt), headers={"Accept-Language": "en"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": f"{role}h", "password": "pw", "csrf_token": token})
    return client


def test_auditors_and_admins_search_the_log(gateway):
    code = gateway.code("张伟")
    ok = gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}})
    gateway.send("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "370102197803141012"}}, ok=False)
    assert ok["output"]["baseinfo"]["psn_name"] == "张*"
    clients = {role: _console(gateway.rt, role) for role in ("auditor", "admin")}
    for client in clients.values():
        page = client.get("/console/hsa-log", params={"infno": "1101"})
        assert page.status_code == 200 and page.text.count('class="person hsa-message"') == 2
        assert "370102197803141012" not in page.text and "3701**********1012" in page.text
    failed = clients["auditor"].get("/console/hsa-log", params={"failed": "1", "search": PHARMACY_CODE})
    assert failed.text.count('class="person hsa-message"') == 1 and "mdtrt_cert_type：" in failed.text
    assert clients["auditor"].get("/console/hsa-log", params={"search": "H3701"}).text.count("hsa-message") == 0
    assert _console(gateway.rt, "clerk").get("/console/hsa-log").status_code == 403


@pytest.mark.one_database
def test_metrics_count_by_infno_and_result(gateway):
    ok, refused = _sample("hsa_transactions_total", infno="1101", result="ok"), \
        _sample("hsa_transactions_total", infno="1101", result="refused")
    replayed, other = _sample("hsa_transactions_total", infno="1101", result="replayed"), \
        _sample("hsa_transactions_total", infno="other", result="refused")
    body = gateway.envelope("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": gateway.code("张伟")}})
    gateway.post(body)
    gateway.post(body)
    gateway.send("1101", {"data": {"mdtrt_cert_type": "03"}}, ok=False)
    gateway.send("2401", {}, ok=False)
    assert _sample("hsa_transactions_total", infno="1101", result="ok") == ok + 1
    assert _sample("hsa_transactions_total", infno="1101", result="replayed") == replayed + 1
    assert _sample("hsa_transactions_total", infno="1101", result="refused") == refused + 1
    assert _sample("hsa_transactions_total", infno="other", result="refused") == other + 1


def test_retention_prunes_old_messages(gateway):
    gateway.send("9001", {"signIn": {"opter_no": "0001"}})
    assert messages.prune(gateway.rt, timedelta(days=gateway.rt.settings.hsa_log_retention_days)) == 0
    gateway.rt.clock.advance(days=181)
    removed = messages.prune(gateway.rt, timedelta(days=gateway.rt.settings.hsa_log_retention_days))
    with gateway.rt.db.read() as s:
        left = s.exec(select(func.count()).select_from(HsaMessage)).one()
    assert removed == 1 and left == 0


def test_institution_codes_are_admins_unique_and_audited(gateway):
    pharmacy, hospital = gateway.institutions["历下区康宁大药房"], gateway.institutions["济南市第一人民医院"]
    with pytest.raises(DomainError) as taken:
        partners.set_institution_code(gateway.rt, gateway.admin, hospital.id, PHARMACY_CODE, "typo")
    assert taken.value.code is ErrorCode.INSTITUTION_CODE_TAKEN
    with pytest.raises(DomainError) as bad:
        partners.set_institution_code(gateway.rt, gateway.admin, hospital.id, "P3701", "typo")
    assert bad.value.code is ErrorCode.INSTITUTION_CODE_INVALID
    clerk = staff(gateway.rt, "clerk", username="clerkcode")
    mutation = """mutation($id: ID!) { setInstitutionCode(input: {partnerId: $id, institutionCode: "p37010200009",
      reason: "moved"}) { __typename ... on OperationError { code } ... on PartnerPayload { partner { institutionCode } } } }"""
    refused = gql(gateway.rt, clerk, mutation, id=to_global_id("Institution", pharmacy.id)).data["setInstitutionCode"]
    assert refused == {"__typename": "OperationError", "code": "NOT_ALLOWED"}
    admin = gateway.admin.principal
    done = gql(gateway.rt, admin, mutation, id=to_global_id("Institution", pharmacy.id)).data["setInstitutionCode"]
    assert done["partner"]["institutionCode"] == "P37010200009"
    with gateway.rt.db.read() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "partner.institution_code")).all()
    assert len(events) == 1
    # the old code no longer opens the gateway for the pharmacy
    old = gateway.send("9001", {"signIn": {"opter_no": "0001"}}, ok=False)
    assert old["err_msg"].startswith("fixmedins_code：")


def test_the_partners_page_sets_a_code_beside_its_row(gateway):
    client = _console(gateway.rt, "admin")
    page = client.get("/console/partners")
    assert PHARMACY_CODE in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    hospital = to_global_id("Institution", gateway.institutions["济南市第一人民医院"].id)
    bad = client.post("/console/partners/code", data={"id": hospital, "institutionCode": PHARMACY_CODE,
                                                      "reason": "x", "csrf_token": token}, follow_redirects=False)
    assert bad.status_code == 400 and f'id="error-code-{hospital}"' in bad.text
    done = client.post("/console/partners/code", data={"id": hospital, "institutionCode": "H37010200077",
                                                       "reason": "re-coded", "csrf_token": token})
    assert done.status_code == 200 and "H37010200077" in done.text


def test_the_prune_command_keeps_the_retention(gateway, database_url):
    from tests.test_cli import yibao

    gateway.send("9001", {"signIn": {"opter_no": "0001"}})  # logged at the tests' clock, 2026-03-02
    assert yibao(database_url, "prune-hsa-log", "--days", "3650", lang="en_US.UTF-8").stdout == \
        "removed 0 HSA gateway messages older than 3,650 days\n"
    assert yibao(database_url, "prune-hsa-log", lang="zh_CN.UTF-8").stdout == \
        "已删除 1 条超过 180 天的医保接口网关报文\n"  # the command runs at the wall clock's date
