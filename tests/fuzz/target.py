"""The fuzz target: the real ASGI app over HTTP on demo data, a bearer credential per principal, and
a digest of every table to tell whether a request wrote anything."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel
from starlette.testclient import TestClient

from backend import demo
from backend.domain.settlement import BillLine, VisitType
from backend.graph.core.ids import to_global_id
from backend.principals import Actor, Channel, Principal, PrincipalKind
from backend.runtime import Runtime
from backend.services.family_account import codes
from backend.services.money import settlement
from backend.storage import models
from web.app import create_app

UNEXPECTED = "Unexpected error."
# Tables a request may write although it was refused, by design: failed attempts are counted so
# that guessing is throttled (claim probing, sign-in).
WRITTEN_ON_REFUSAL = frozenset({models.AttemptCounter.__tablename__})
# What a read may write: its audit trail (R15) and the attempt counters.
WRITTEN_BY_READS = WRITTEN_ON_REFUSAL | {models.AuditEvent.__tablename__}

# Who calls: every kind of principal, and both sides of the family (the father is a grantor and a
# holder; the grandfather is a grantee with a binding request waiting for his approval).
HOUSEHOLD_LOGINS = {"household-father": "father", "household-grandpa": "grandpa"}
STAFF_LOGINS = {"staff-clerk": ("clerk01", "clerk1234"), "staff-auditor": ("auditor01", "auditor1234"),
                "staff-admin": ("admin01", "admin1234")}
PRINCIPALS = ("anonymous", *HOUSEHOLD_LOGINS, "partner-pharmacy", "partner-hospital", *STAFF_LOGINS)

# Strings the schema takes that mean something to the service, so fuzzed operations reach past
# "not found" into the use cases.
MEANINGFUL_STRINGS = ("own", "spouse", "parent", "child", "sibling", "paternal_grandparent", "maternal_grandchild",
                      "uncle", "bindings_per_holder", "grantees_per_grantor", "", "37", "3701", "370102", " ",
                      "fuzz-idempotency-0001", "registry")


@dataclass
class Reply:
    status: int
    body: Any
    errors_logged: list[str]

    @property
    def messages(self) -> list[str]:
        if not isinstance(self.body, dict):
            return []
        return [str(e.get("message")) for e in self.body.get("errors") or ()]

    def root(self, name: str) -> Any:
        data = self.body.get("data") if isinstance(self.body, dict) else None
        return data.get(name) if isinstance(data, dict) else None

    def refused(self, name: str) -> bool:
        """The root field did not do its work: no data, a null in its place, or a typed refusal."""
        value = self.root(name)
        return value is None or (isinstance(value, dict) and value.get("__typename") == "OperationError")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@dataclass
class GraphTarget:
    rt: Runtime
    client: TestClient
    credentials: dict[str, str | None]
    ids: list[str] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    last_digest: dict[str, str] = field(default_factory=dict)

    def post(self, principal: str, document: str, variables: Any = None) -> Reply:
        headers = {"Accept-Language": "en"}
        if self.credentials[principal]:
            headers["Authorization"] = f"Bearer {self.credentials[principal]}"
        body: dict[str, Any] = {"query": document}
        if variables is not None:
            body["variables"] = variables
        return self.send(json.dumps(body), headers)

    def send(self, content: str | bytes, headers: dict[str, str]) -> Reply:
        collect = _Collect()
        root = logging.getLogger()
        root.addHandler(collect)
        try:
            response = self.client.post("/graphql", content=content,
                                        headers={"Content-Type": "application/json", **headers})
        finally:
            root.removeHandler(collect)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return Reply(response.status_code, body, collect.records)

    def writes(self, allowed: frozenset[str] = frozenset()) -> list[str]:
        """The tables written since the last call, less `allowed`. Nothing but the fuzzer's requests
        writes meanwhile, so one digest per request is enough."""
        now = table_digest(self.rt)
        changed = sorted(name for name in now if now[name] != self.last_digest.get(name) and name not in allowed)
        self.last_digest = now
        return changed


def table_digest(rt: Runtime) -> dict[str, str]:
    """A hash of every table's rows: cheap on demo-sized data, and it sees updates as well as inserts.
    On PostgreSQL the server hashes every table in one statement (one round trip, not one per table)."""
    out = {}
    with rt.db.read() as s:
        if rt.db.dialect == "postgresql":
            return dict(s.connection().exec_driver_sql(_pg_digest_statement()).all())
        for table in SQLModel.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in s.connection().execute(select(table)))
            out[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


@functools.cache
def _pg_digest_statement() -> str:
    return " UNION ALL ".join(
        f"""SELECT '{t.name}', md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) FROM "{t.name}" r"""
        for t in SQLModel.metadata.sorted_tables)


def assert_sound(reply: Reply, what: str) -> None:
    """The properties every reply has, whatever was sent: no crash, nothing unexpected, nothing logged as a failure."""
    assert reply.status < 500, f"HTTP {reply.status} for {what}\n{reply.body}"
    assert UNEXPECTED not in reply.messages, f"{UNEXPECTED!r} for {what}\n{reply.body}"
    assert not reply.errors_logged, f"errors logged for {what}\n" + "\n".join(reply.errors_logged)


def open_target(rt: Runtime, client: TestClient) -> GraphTarget:
    """Demo data plus a few live codes and one settlement, and a credential for every principal."""
    demo.seed(rt)
    logins = demo.logins()
    people = {p.key: logins["people"][i] for i, p in enumerate(demo.PEOPLE)}
    credentials: dict[str, str | None] = {"anonymous": None}
    for name, key in HOUSEHOLD_LOGINS.items():
        credentials[name] = _token(client, people[key]["id_number"], demo.PERSON_PASSWORD)
    for name, (username, password) in STAFF_LOGINS.items():
        credentials[name] = _token(client, username, password)
    keys = {p["kind"]: p["api_key"] for p in logins["partners"]}
    credentials["partner-pharmacy"], credentials["partner-hospital"] = keys["pharmacy"], keys["hospital"]

    with rt.db.read() as s:
        person_ids = {p.id_number: p.id for p in s.execute(select(models.Person)).scalars()}
        pharmacy = s.execute(select(models.Institution).where(models.Institution.kind == "pharmacy")).scalars().one()
    father, grandma, mother, son = (person_ids[people[k]["id_number"]] for k in ("father", "grandma", "mother", "son"))
    as_person = {pid: Actor(Principal(PrincipalKind.HOUSEHOLD, pid), Channel.CLI) for pid in person_ids.values()}
    live = [codes.issue_code(rt, as_person[presenter], subject).text
            for presenter, subject in ((father, father), (father, grandma), (father, son), (mother, mother))]
    settled_code = codes.issue_code(rt, as_person[father], son).text
    settlement.settle(rt, Actor(Principal(PrincipalKind.PARTNER, pharmacy.id), Channel.GRAPHQL), settlement.SettleRequest(
        code=settled_code, visit_type=VisitType.PHARMACY, service_date=(rt.clock.now() - timedelta(days=1)).date(),
        lines=[BillLine("86900001", "阿莫西林胶囊", None, 35_00, 2), BillLine("86900002", "布洛芬", None, 18_80, 1)],
        idempotency_key="fuzz-seeded-settlement"))

    target = GraphTarget(rt, client, credentials)
    target.ids = _global_ids(rt)
    target.strings = [*MEANINGFUL_STRINGS, *live, settled_code,
                      *(p["id_number"] for p in logins["people"]), *(p["name"] for p in logins["people"])]
    target.writes()
    return target


def _token(client: TestClient, username: str, password: str) -> str:
    response = client.post("/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


_NODES = {"Person": models.Person, "Household": models.Household, "Relationship": models.Relationship,
          "Binding": models.Binding, "Grant": models.Grant, "Settlement": models.Settlement,
          "Institution": models.Institution, "StaffUser": models.StaffUser}


def _global_ids(rt: Runtime) -> list[str]:
    ids = []
    with rt.db.read() as s:
        for type_name, model in _NODES.items():
            for key in s.execute(select(model.id)).scalars():
                ids.append(to_global_id(type_name, key))
        # The right key under the wrong type name: the decoder must refuse it, not trust it.
        some_grant = s.execute(select(models.Grant.id)).scalars().first()
        ids.append(to_global_id("Person", some_grant))
    return ids


def make_client(rt: Runtime) -> TestClient:
    # A crash must come back as the 500 a caller would see, so the fuzzer reports it as one.
    return TestClient(create_app(rt), base_url="http://testserver", raise_server_exceptions=False)
