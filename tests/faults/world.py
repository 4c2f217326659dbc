"""One grantor's family for the fault tests: many grantees who spend the same personal account.

Set up in-process through the services (as a household and a clerk would), with the system clock and
the secret the served app uses, so the codes issued here are genuine and live for the app process.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from backend.clock import CHINA, SystemClock
from backend.config import Settings
from backend.domain.idnumber import Sex, make_id_number
from backend.principals import SYSTEM, Actor, Channel, Principal, PrincipalKind
from backend.runtime import Runtime
from backend.services.family_account import bindings, codes
from backend.services.money import grants
from backend.services.people import accounts, family
from backend.services.people.accounts import NewPerson
from backend.storage.db import Database

SECRET = "faults-test-secret"
CODE_TTL_SECONDS = 600  # codes wait in a client's queue while the app restarts
GRANTOR_REGION = "370102"
# Service dates stay inside the years the shipped sample parameters cover.
LAST_SAMPLE_DAY = date(2026, 12, 31)


def server_environment(database_url: str) -> dict[str, str]:
    """What the served app needs to accept the codes issued here."""
    return {"DATABASE_URL": database_url, "SECRET_KEY": SECRET, "CODE_TTL_SECONDS": str(CODE_TTL_SECONDS),
            "YIBAO_ENV": "development", "PASSWORD_TIME_COST": "1", "PASSWORD_MEMORY_COST_KIB": "1024"}


def live_runtime(db: Database) -> Runtime:
    settings = Settings(database_url=db.engine.url.render_as_string(hide_password=False), secret_key=SECRET,
                        code_ttl_seconds=CODE_TTL_SECONDS, password_time_cost=1, password_memory_cost_kib=1024,
                        yibao_env="development")
    return Runtime(db=db, settings=settings, clock=SystemClock())


def service_date() -> date:
    return min(datetime.now(CHINA).date(), LAST_SAMPLE_DAY)


@dataclass(frozen=True)
class Partner:
    id: uuid.UUID
    api_key: str


@dataclass(frozen=True)
class Presentation:
    """Whose code a partner scans, shown on whose phone (the subject's own, or a guardian's: R11)."""

    subject_id: uuid.UUID
    presenter_id: uuid.UUID


@dataclass
class GrantorFamily:
    rt: Runtime
    grantor_id: uuid.UUID
    spouse_id: uuid.UUID            # an employee: her own account pays before the grant
    grantee_ids: list[uuid.UUID]
    presentations: list[Presentation]
    partners: list[Partner]
    opening_fen: dict[uuid.UUID, int]

    def issue_code(self, presentation: Presentation) -> str:
        actor = Actor(Principal(PrincipalKind.HOUSEHOLD, presentation.presenter_id), Channel.GRAPHQL)
        return codes.issue_code(self.rt, actor, presentation.subject_id).text


def _as(person_id: uuid.UUID) -> Actor:
    return Actor(Principal(PrincipalKind.HOUSEHOLD, person_id), Channel.CLI)


def build(rt: Runtime, *, children: int, grantor_fen: int, spouse_fen: int) -> GrantorFamily:
    cli = Actor(SYSTEM, Channel.CLI)
    clerk_row = accounts.create_staff(rt, cli, username="faultclerk", name="clerk", role="clerk", password="x")
    clerk = Actor(Principal(PrincipalKind.STAFF, clerk_row.id, "clerk", "clerk"), Channel.CONSOLE)
    today = datetime.now(CHINA).date()

    def register(name: str, region: str, born: date, sex: Sex, insurance: str, seq: int, fen: int | None = None):
        return accounts.register_person(rt, cli, NewPerson(
            name=name, id_number=make_id_number(region, born, seq, sex), insurance_type=insurance,
            region_code=region, balance_fen=fen, password=None))

    grantor = register("王建国", GRANTOR_REGION, date(1972, 5, 1), Sex.MALE, "employee", 1, grantor_fen)
    spouse = register("刘芳", "370112", date(1974, 8, 9), Sex.FEMALE, "employee", 2, spouse_fen)
    relatives = [(spouse, "spouse")]
    # Parents insured in Zibo: elsewhere in Shandong, so R3 still holds.
    relatives += [(register(name, "370303", date(1946, 3, 3), sex, "resident", 3 + i), "parent")
                  for i, (name, sex) in enumerate([("王德福", Sex.MALE), ("赵桂兰", Sex.FEMALE)])]
    for i in range(children):
        born = date(today.year - 3 - (i * 23) % 25, 1 + i % 12, 1 + i % 28)
        relatives.append((register(f"王{i:02d}", GRANTOR_REGION, born, Sex.FEMALE if i % 2 else Sex.MALE,
                                   "resident", 10 + i), "child"))
    presentations = []
    for person, kind in relatives:
        claim = family.claim_relationship(rt, _as(grantor.id), id_number=person.id_number, name=person.name, kind=kind)
        family.verify_relationship(rt, clerk, claim.id, "registry")
        bindings.activate_voucher(rt, _as(person.id))
        grants.create_grant(rt, _as(grantor.id), person.id)
        presentations.append(Presentation(person.id, person.id))
        if kind == "child" and (today - person.birth_date).days < 18 * 365:
            # A guardian shows a minor's code from his own phone; the child's grants still apply (R11).
            bindings.request_binding(rt, _as(grantor.id), person.id)
            presentations.append(Presentation(person.id, grantor.id))
    bindings.activate_voucher(rt, _as(grantor.id))
    partners = []
    for kind, level in (("pharmacy", 0), ("hospital", 3)):
        inst, key = accounts.create_partner(rt, cli, name=f"fault {kind}", kind=kind, level=level,
                                            region_code=GRANTOR_REGION)
        partners.append(Partner(inst.id, key))
    return GrantorFamily(rt=rt, grantor_id=grantor.id, spouse_id=spouse.id,
                         grantee_ids=[p.id for p, _ in relatives], presentations=presentations, partners=partners,
                         opening_fen={grantor.id: grantor_fen, spouse.id: spouse_fen})
