"""Envelope, authentication and institution code: every refusal is infcode -1 with a Chinese err_msg naming
the field, HTTP 200 (429 when throttled), and is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from backend.clock import CHINA
from backend.storage.models import HsaMessage

pytestmark = pytest.mark.one_database

PERSON = {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": "x"}}


def refused(gateway, body, field, *, key=None, status=200):
    reply = gateway.post(body, key=key, status=status)
    assert reply["infcode"] == -1 and reply["output"] == {}, reply
    assert reply["err_msg"].startswith(f"{field}："), reply["err_msg"]
    assert "Traceback" not in reply["err_msg"]
    return reply["err_msg"]


@pytest.mark.parametrize("change, field", [
    ({"infno": "22O7"}, "infno"), ({"infno": None}, "infno"), ({"msgid": "x" * 31}, "msgid"),
    ({"msgid": "P3701 0200001"}, "msgid"), ({"mdtrtarea_admvs": "3701"}, "mdtrtarea_admvs"),
    ({"insuplc_admdvs": "abcdef"}, "insuplc_admdvs"), ({"opter_type": "4"}, "opter_type"),
    ({"opter": ""}, "opter"), ({"opter_name": "名" * 51}, "opter_name"), ({"recer_sys_code": "Y" * 11}, "recer_sys_code"),
    ({"inf_time": "2026/03/02 17:30:00"}, "inf_time"), ({"fixmedins_name": None}, "fixmedins_name"),
    ({"input": "x"}, "input"), ({"input": None}, "input"), ({"opter_name": "a\u0000b"}, "opter_name"),
])
def test_envelope_fields_are_checked(gateway, change, field):
    body = gateway.envelope("1101", PERSON)
    body.update(change)
    message = refused(gateway, body, field)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_inf_time_must_be_near_the_clock(gateway):
    late = gateway.rt.clock.now() + timedelta(minutes=6)
    body = gateway.envelope("1101", PERSON, inf_time=late.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"))
    assert "5 分钟" in refused(gateway, body, "inf_time")


def test_a_partner_key_is_required(gateway):
    body = gateway.envelope("1101", PERSON)
    refused(gateway, body, "Authorization", key="")
    refused(gateway, body, "Authorization", key="yb_nothing_here")
    token = gateway.client.post("/auth/token", json={"username": "13800000001", "password": "demo1234"})
    assert token.status_code == 200
    refused(gateway, body, "Authorization", key=token.json()["access_token"])  # a household member is no partner


def test_institution_code_must_be_the_partners(gateway):
    body = gateway.envelope("1101", PERSON, fixmedins_code="H37010200002")  # the hospital's, with the pharmacy's key
    assert "不一致" in refused(gateway, body, "fixmedins_code")


def test_unknown_infno_is_not_supported(gateway):
    assert refused(gateway, gateway.envelope("2401", {}), "infno") == "infno：不支持的交易"


def test_not_json_is_refused_plainly(gateway):
    refused(gateway, b"{not json", "body")
    refused(gateway, "{\"infno\": \"1101\"}".encode("gb18030") + "名".encode("gb18030"), "body")


def test_refusals_are_logged_masked(gateway):
    code = gateway.code("张伟")
    gateway.send("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "370102197803141012",
                                   "psn_name": "张伟", "certno": "370102197803141012"}}, ok=False)
    gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}})
    with gateway.rt.db.read() as s:
        logged = s.exec(select(HsaMessage).order_by(HsaMessage.created_at)).all()
    text = " ".join(m.request + m.reply for m in logged)
    assert "370102197803141012" not in text and "张伟" not in text and code not in text
    assert "3701**********1012" in text
    assert [m.infcode for m in logged][-2:] == [-1, 0]
