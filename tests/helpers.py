"""Shared test helpers: people, principals, and running operations through the schema in-process."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import func, select

from backend.domain.idnumber import Sex, make_id_number
from backend.graph.core.context import build_context
from backend.graph.schema import build_schema
from backend.principals import SYSTEM, Actor, Channel, Principal, PrincipalKind
from backend.runtime import Runtime
from backend.services.people import accounts, family
from backend.services.people.accounts import NewPerson
from backend.storage.models import AuditEvent

CLI = Actor(SYSTEM, Channel.CLI)
_sequence = iter(range(10, 10_000))


def person(rt: Runtime, name: str, born: date, sex: Sex = Sex.FEMALE, *, insurance: str = "resident",
           region: str = "370102", balance_fen: int | None = None, password: str | None = "pw", **kw: Any):
    return accounts.register_person(rt, CLI, NewPerson(
        name=name, id_number=make_id_number(region, born, next(_sequence) % 100, sex), insurance_type=insurance,
        region_code=region, balance_fen=balance_fen, password=password, **kw))


def household_principal(p) -> Principal:
    return Principal(PrincipalKind.HOUSEHOLD, p.id, p.name)


def actor_of(p) -> Actor:
    return Actor(household_principal(p), Channel.GRAPHQL)


def staff(rt: Runtime, role: str = "clerk", username: str | None = None) -> Principal:
    row = accounts.create_staff(rt, CLI, username=username or f"{role}{next(_sequence)}", name=f"{role} user",
                                role=role, password="pw")
    return Principal(PrincipalKind.STAFF, row.id, row.name, row.role)


def partner(rt: Runtime, kind: str = "pharmacy") -> tuple[Principal, str]:
    inst, key = accounts.create_partner(rt, CLI, name=f"{kind} {next(_sequence)}", kind=kind, level=0,
                                        region_code="370102")
    return Principal(PrincipalKind.PARTNER, inst.id, inst.name, inst.kind), key


def relate(rt: Runtime, claimant, relative, kind: str, *, verify_with: Principal | None = None):
    """`claimant` says `relative` is their `kind`; a clerk verifies it when given."""
    row = family.claim_relationship(rt, actor_of(claimant), id_number=relative.id_number, name=relative.name,
                                    kind=kind)
    if verify_with is not None:
        row = family.verify_relationship(rt, Actor(verify_with, Channel.CONSOLE), row.id, "registry")
    return row


def audit_events(rt: Runtime, action: str | None = None) -> list[AuditEvent]:
    """Audit events in time order; events of one time (the tests' clock stands still) in the order their
    transactions wrote them: PostgreSQL's inserting transaction id, SQLite's rowid. Events of one
    transaction have no order."""
    written = text("xmin::text::bigint") if rt.db.dialect == "postgresql" else text("auditevent.rowid")
    with rt.db.read() as s:
        query = select(AuditEvent).order_by(AuditEvent.at, written)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(s.exec(query).all())


def count(rt: Runtime, model) -> int:
    with rt.db.read() as s:
        return s.exec(select(func.count()).select_from(model)).one()


_schemas: dict = {}


def gql(rt: Runtime, principal: Principal, query: str, locale: str = "en", operation: str | None = None,
        **variables: Any) -> Any:
    """Execute through the same schema and gate the pages and /graphql use."""
    key = rt.settings.yibao_env
    schema = _schemas.get(key) or _schemas.setdefault(key, build_schema(rt.settings))

    async def run():
        ctx = await build_context(rt, principal, Channel.GRAPHQL, locale)
        return await schema.execute(query, variable_values=variables, context_value=ctx, operation_name=operation)

    # A thread of its own: Playwright's sync API may be running an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


# National codes of the sample catalogue (backend/data/catalogue_samples.csv) that tests name, by what they are.
SAMPLE_CODES = {
    "A_CAPPED": "XJ01CAA037A0020107919",      # 阿莫西林胶囊: class A, cap ¥12.80 a unit, ¥10.50 from 2026-07-01
    "A_CAPPED_2": "XM01AEA629A0040134623",    # 布洛芬混悬液: class A, cap ¥22.00
    "A_SERVICE": "002501010152000",           # 血常规: a medical service, class A, cap ¥20.00
    "B_CAPPED": "XJ01CRA074A0030115838",      # 阿莫西林克拉维酸钾片: class B (the region's share), cap ¥28.50
    "B_OWN_SHARE": "XJ01DDA148A0050131676",   # 头孢克肟分散片: class B with its own 5% share, cap ¥24.00
    "B_UNCAPPED": "XJ01XEA444E0060195028",    # 呋喃妥因肠溶片: class B, no cap
    "C": "XA11GAA922A0020139414",             # 维生素C片: class C, no cap
    "C_CONSUMABLE": "C1101103107000100000",   # 医用外科口罩: a consumable, class C
    "A_CONSUMABLE": "C0704230136100230000",   # 药物洗脱冠状动脉支架: class A, cap ¥800.00, ¥700.00 from 2026-07-01
}


def approve_mappings(rt: Runtime, institution_id, codes: dict[str, str]) -> None:
    """Map an institution's item codes to national codes and approve every mapping, as a partner submitting
    and a clerk approving would (the national codes must be in the catalogue: the sample catalogue, which
    every test database has, or entries a test added)."""
    from backend.services.catalogue import mappings

    submitter = Actor(Principal(PrincipalKind.PARTNER, institution_id, "partner"), Channel.GRAPHQL)
    rows = mappings.submit(rt, submitter, [mappings.Submission(item, national) for item, national in codes.items()])
    for row in rows:
        if row.status == "pending":
            mappings.decide(rt, CLI, row.id, approve=True)
