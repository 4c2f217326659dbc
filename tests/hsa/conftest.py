"""The HSA gateway against a served app on demo data: the pharmacy and the hospital with institution codes,
and a helper that sends one envelope."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from backend import demo
from backend.clock import CHINA
from backend.principals import Actor, Channel, Principal, PrincipalKind
from backend.services.family_account import codes
from backend.storage.models import Institution, Person, StaffUser
from web.app import create_app

PHARMACY_CODE = "P37010200001"
HOSPITAL_CODE = "H37010200002"


def household(person: Person) -> Actor:
    return Actor(Principal(PrincipalKind.HOUSEHOLD, person.id, person.name), Channel.GRAPHQL)


@dataclass
class Gateway:
    rt: Any
    client: TestClient
    people: dict[str, Person]
    institutions: dict[str, Institution]
    keys: dict[str, str]
    admin: Actor
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def code(self, presenter: str, subject: str | None = None) -> str:
        """A live e-voucher code the presenter's phone shows for the subject (themselves by default)."""
        shown = self.people[subject or presenter]
        return codes.issue_code(self.rt, household(self.people[presenter]), shown.id).text

    def msgid(self, institution_code: str = PHARMACY_CODE) -> str:
        now = self.rt.clock.now().astimezone(CHINA)
        return f"{institution_code}{now:%Y%m%d%H%M%S}{next(self.serial):04d}"

    def envelope(self, infno: str, input: dict[str, Any], *, msgid: str | None = None, at: str = "pharmacy",
                 **overrides: Any) -> dict[str, Any]:
        code = PHARMACY_CODE if at == "pharmacy" else HOSPITAL_CODE
        now = self.rt.clock.now().astimezone(CHINA)
        body = {"infno": infno, "msgid": msgid or self.msgid(code), "mdtrtarea_admvs": "370102",
                "insuplc_admdvs": "370102", "recer_sys_code": "YBXT", "dev_no": "", "dev_safe_info": "",
                "cainfo": "", "signtype": "", "infver": "V1.0", "opter_type": "1", "opter": "0001",
                "opter_name": "收款员甲", "inf_time": f"{now:%Y-%m-%d %H:%M:%S}", "fixmedins_code": code,
                "fixmedins_name": "历下区康宁大药房" if at == "pharmacy" else "济南市第一人民医院", "sign_no": "",
                "input": input}
        body.update(overrides)
        return body

    def post(self, body: Any, *, at: str = "pharmacy", key: str | None = None, status: int = 200) -> dict[str, Any]:
        credential = key if key is not None else self.keys[at]
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        r = self.client.post("/hsa/v1", json=body, headers=headers) if not isinstance(body, bytes) else \
            self.client.post("/hsa/v1", content=body, headers=headers)
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        return r.json()

    def send(self, infno: str, input: dict[str, Any], *, at: str = "pharmacy", ok: bool = True,
             **envelope: Any) -> dict[str, Any]:
        reply = self.post(self.envelope(infno, input, at=at, **envelope), at=at)
        assert (reply["infcode"] == 0) is ok, reply.get("err_msg") or reply
        return reply


@pytest.fixture
def gateway(rt) -> Gateway:
    demo.seed(rt)
    keys = {p["name"]: p["api_key"] for p in demo.logins()["partners"]}
    with rt.db.read() as s:
        people = {p.name: p for p in s.exec(select(Person)).all()}
        institutions = {i.name: i for i in s.exec(select(Institution)).all()}
        admin = s.exec(select(StaffUser).where(StaffUser.role == "admin")).first()
    as_admin = Actor(Principal(PrincipalKind.STAFF, admin.id, admin.name, "admin"), Channel.CONSOLE)
    assert (institutions["历下区康宁大药房"].institution_code, institutions["济南市第一人民医院"].institution_code) == \
        (PHARMACY_CODE, HOSPITAL_CODE)  # the demo data's (backend/demo.py)
    with TestClient(create_app(rt), base_url="http://testserver") as client:
        yield Gateway(rt, client, people, institutions,
                      {"pharmacy": keys["历下区康宁大药房"], "hospital": keys["济南市第一人民医院"]}, as_admin)


def drug(sn: int, code: str, price: str, count: int, level: str | None = "01", name: str | None = None,
         national: str = "") -> dict[str, Any]:
    """A drugdetail/feedetail row; `level` None leaves chrgitm_lv out (the catalogue decides the class)."""
    total = f"{int(round(float(price) * 100)) * count / 100:.2f}"
    row = {"feedetl_sn": f"{sn:04d}", "medins_list_codg": code, "med_list_codg": national,
           "medins_list_name": name or code, "chrgitm_lv": level, "pric": price, "cnt": count,
           "det_item_fee_sumamt": total}
    return {key: value for key, value in row.items() if value is not None}


LEVEL_CATEGORY = {"01": "A", "02": "B", "03": "C", "99": "NON_MEDICAL"}


def map_rows(gateway: Gateway, rows: list[dict[str, Any]], *, at: str = "pharmacy") -> None:
    """Approve the institution's mappings of the rows' item codes to the test catalogue's entry of the class
    each row's chrgitm_lv names (99: left unmapped, outside the catalogue), as a clerk would (tests/money.py)."""
    from tests.money import map_lines

    institution = gateway.institutions["历下区康宁大药房" if at == "pharmacy" else "济南市第一人民医院"]
    map_lines(gateway.rt, institution.id, [{"itemCode": row["medins_list_codg"],
                                            "category": LEVEL_CATEGORY[row["chrgitm_lv"]]} for row in rows])
