"""Bills settled on demo data, so the statement pages have something to show."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from backend.domain.settlement import BillLine, Category, VisitType
from backend.principals import Actor, Channel, Principal, PrincipalKind
from backend.services.family_account import codes
from backend.services.money import settlement
from backend.storage.models import Institution, Person
from tests.money import lift_service_date_limits, map_lines


def settle_demo_bills(rt) -> None:
    """The father pays once at the pharmacy and once at the hospital; his son's bill is paid by his grant. The
    items go through the catalogue (R18): the pharmacy's amoxicillin (class A, capped at 12.80) sold at 48.00 is
    35.20 over the limit, the rest under the deductible; the hospital's check-up is a class C test entry; the
    throat sweets have no mapping (cash only). The bills are weeks old: the service-date limits are lifted."""
    with rt.db.read() as s:
        father = s.exec(select(Person).where(Person.phone == "13800000001")).one()
        son = s.exec(select(Person).where(Person.name == "张小宝")).one()
        places = {i.kind: i for i in s.exec(select(Institution)).all()}
    check_up = BillLine("33019999", "门诊检查", Category.C, 260_00, 1)
    lift_service_date_limits(rt)
    map_lines(rt, places["hospital"].id, [check_up], date(2026, 2, 20))
    bills = [(father, "pharmacy", date(2026, 1, 12), [BillLine("86900001", "阿莫西林", None, 48_00, 1)]),
             (father, "hospital", date(2026, 2, 20), [check_up]),
             (son, "pharmacy", date(2026, 3, 1), [BillLine("86900002", "布洛芬混悬液", None, 36_50, 1),
                                                  BillLine("69000002", "喉糖", None, 8_50, 1)])]
    holder = Principal(PrincipalKind.HOUSEHOLD, father.id, father.name)
    for n, (subject, kind, day, lines) in enumerate(bills):
        place = places[kind]
        code = codes.issue_code(rt, Actor(holder, Channel.WEB), subject.id).text
        partner = Actor(Principal(PrincipalKind.PARTNER, place.id, place.name, kind), Channel.GRAPHQL)
        settlement.settle(rt, partner, settlement.SettleRequest(
            code=code, visit_type=VisitType.OUTPATIENT if kind == "hospital" else VisitType.PHARMACY,
            service_date=day, lines=lines,
            idempotency_key=f"demo-bill-{n:04d}"))
