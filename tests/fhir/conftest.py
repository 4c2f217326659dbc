"""A served app on demo data (docs/domain.md's family), one settlement of the son's made with the code his
father showed, partly refunded, and the credentials of each kind of caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from backend import demo
from backend.domain.settlement import BillLine, Category, VisitType
from backend.principals import Actor, Channel, Principal, PrincipalKind
from backend.services.family_account import codes
from backend.services.money import settlement
from backend.storage.models import Institution, Person
from tests.fhir.validate import valid
from tests.money import map_lines
from web.app import create_app


@dataclass
class World:
    client: TestClient
    people: dict[str, Person]
    pharmacy: Institution
    pharmacy_key: str
    hospital_key: str
    settlement_id: str

    def token(self, username: str, password: str = demo.PERSON_PASSWORD) -> str:
        r = self.client.post("/auth/token", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def get(self, path: str, credential: str | None, status: int = 200, **params) -> dict:
        """GET a FHIR path; the answer must have the status, the FHIR content type, and validate."""
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        r = self.client.get(path, params=params or None, headers=headers)
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == "application/fhir+json; charset=utf-8"
        return valid(r.json())

    def id(self, name: str) -> str:
        return str(self.people[name].id)


def household(rt, person: Person) -> Actor:
    return Actor(Principal(PrincipalKind.HOUSEHOLD, person.id, person.name), Channel.GRAPHQL)


def code_for(rt, presenter: Person, subject: Person) -> str:
    return codes.issue_code(rt, household(rt, presenter), subject.id).text


@pytest.fixture
def world(rt) -> World:
    demo.seed(rt)
    keys = {p["name"]: p["api_key"] for p in demo.logins()["partners"]}
    with rt.db.read() as s:
        people = {p.name: p for p in s.exec(select(Person)).all()}
        institutions = {i.name: i for i in s.exec(select(Institution)).all()}
    pharmacy = institutions["历下区康宁大药房"]
    at_pharmacy = Actor(Principal(PrincipalKind.PARTNER, pharmacy.id, pharmacy.name, pharmacy.kind), Channel.GRAPHQL)
    son = people["张小宝"]
    lines = [BillLine("A001", "阿莫西林胶囊", Category.A, 12_00, 2), BillLine("C001", "维生素C", Category.C, 30_00, 1),
             BillLine("N001", "纸巾", Category.NON_MEDICAL, 5_00, 1)]
    map_lines(rt, pharmacy.id, lines, date(2026, 3, 2))
    request = settlement.SettleRequest(
        code=code_for(rt, people["张伟"], son), visit_type=VisitType.PHARMACY, service_date=date(2026, 3, 2),
        lines=lines, idempotency_key="fhir-test-0001", allow_cash=True)
    settlement_id = settlement.settle(rt, at_pharmacy, request)
    settlement.refund(rt, at_pharmacy, settlement.RefundRequest(settlement_id, (3,), "fhir-test-refund-1"))
    with TestClient(create_app(rt), base_url="http://testserver", headers={"Accept-Language": "en"}) as client:
        yield World(client, people, pharmacy, keys["历下区康宁大药房"], keys["济南市第一人民医院"], str(settlement_id))
