"""Demo data: a three-generation Jinan family, two people R1 refuses, two partners, three staff.

Every password and key here is public: demo use only. Partner keys are derived from fixed seeds so
`make run` can print them every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import func, select

from backend.domain.idnumber import Sex, make_id_number
from backend.domain.pools import grant_pool
from backend.principals import SYSTEM, Actor, Channel, Principal, PrincipalKind
from backend.runtime import Runtime
from backend.services.catalogue import mappings
from backend.services.family_account import bindings
from backend.services.money import grants
from backend.services.people import accounts, family
from backend.services.people.accounts import NewPerson
from backend.storage.models import CatalogueEntry, Person, Relationship

PERSON_PASSWORD = "demo1234"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    region: str
    born: date
    sex: Sex
    insurance: str
    phone: str | None = None
    balance_fen: int | None = None
    role: str = ""  # who they are in the story (README)


PEOPLE = [
    DemoPerson("father", "张伟", "370102", date(1978, 3, 14), Sex.MALE, "employee", "13800000001", 325_680,
               "employee in Jinan, father"),
    DemoPerson("mother", "李娜", "370112", date(1980, 9, 2), Sex.FEMALE, "employee", "13800000002", 189_050,
               "employee in Jinan, mother"),
    DemoPerson("grandma", "王秀英", "370102", date(1952, 5, 20), Sex.FEMALE, "resident", "13800000003", None,
               "father's mother, resident-insured in Jinan"),
    DemoPerson("grandpa", "李德明", "370303", date(1950, 11, 8), Sex.MALE, "resident", "13800000004", None,
               "mother's father, resident-insured in Zibo"),
    DemoPerson("daughter", "张晓雨", "370102", date(2004, 7, 1), Sex.FEMALE, "resident", "13800000005", None,
               "adult child, university student, resident-insured"),
    DemoPerson("son", "张小宝", "370102", date(2016, 2, 29), Sex.MALE, "resident", None, None,
               "minor child"),
    DemoPerson("in_law", "赵丽", "370104", date(1982, 4, 12), Sex.FEMALE, "employee", "13800000007", 50_000,
               "father's sister-in-law: not a near relative (R1 refuses)"),
    DemoPerson("cousin", "张磊", "370105", date(1979, 12, 3), Sex.MALE, "employee", "13800000008", 80_000,
               "father's cousin: not a near relative (R1 refuses)"),
    DemoPerson("toddler", "张小安", "370102", date(2022, 6, 18), Sex.MALE, "resident", None, None,
               "minor child whose e-voucher a parent activates"),
]

# (person, relative, kind: person is relative's kind, verified?)
RELATIONSHIPS = [
    ("father", "mother", "spouse", True),
    ("grandma", "father", "parent", True),
    ("grandpa", "mother", "parent", True),
    ("father", "daughter", "parent", True),
    ("mother", "daughter", "parent", True),
    ("father", "son", "parent", True),
    ("mother", "son", "parent", True),
    ("daughter", "son", "sibling", True),
    ("grandma", "daughter", "paternal_grandparent", True),
    ("grandma", "son", "paternal_grandparent", True),
    ("grandpa", "daughter", "maternal_grandparent", False),  # waits for a clerk
    ("father", "toddler", "parent", True),
    ("mother", "toddler", "parent", True),
]

HOUSEHOLD = ("张家", ["father", "mother", "grandma", "daughter", "son"])

# The toddler's e-voucher is not activated: either parent, as guardian, activates it on the family-account page.
VOUCHERS = ["father", "mother", "grandma", "grandpa", "daughter", "son"]
# (holder, subject, consented?): the father shows his mother's code and, as guardian, his son's;
# the mother's request to show her father's code waits for his approval.
BINDINGS = [("father", "grandma", True), ("father", "son", False), ("mother", "grandpa", False)]
# Family mutual aid (grantor, grantee, monthly cap in fen): both parents support the children, the
# father his mother, the mother her father in Zibo (Shandong, so R3 holds).
GRANTS = [("father", "grandma", None), ("father", "daughter", None), ("father", "son", 500_00),
          ("mother", "son", None), ("mother", "grandpa", None)]

PARTNERS = [
    ("历下区康宁大药房", "pharmacy", 0, "370102", "demo-pharmacy"),
    ("济南市第一人民医院", "hospital", 3, "370102", "demo-hospital"),
]

# Each demo institution's own item codes and the catalogue items they are (by the sample catalogue's names):
# approved mappings, so the demo settles through the catalogue. The throat sweets (69000002) are not medical
# and have none: cash only. The pharmacy's last one waits for a clerk (/console/catalogue/mappings).
ITEMS = {
    "demo-pharmacy": [("86900001", "阿莫西林", "阿莫西林胶囊 0.25g×24粒"),
                      ("86900002", "布洛芬混悬液", "布洛芬混悬液 100ml"),
                      ("86900003", "连花清瘟胶囊", "连花清瘟胶囊 0.35g×24粒"),
                      ("86900004", "奥司他韦胶囊", "奥司他韦胶囊 75mg×10粒"),
                      ("86900005", "维生素C片", "维生素C片 0.1g×100片"),
                      ("86900006", "阿托伐他汀钙片", "阿托伐他汀钙片 20mg×7片"),
                      ("86900007", "血糖试纸", "血糖试纸 50片"),
                      ("86900008", "医用外科口罩", "医用外科口罩")],
    "demo-hospital": [("33010001", "门诊检查", "腹部CT增强扫描"),
                      ("33010002", "主任医师门诊诊查费", "主任医师门诊诊查费"),
                      ("33010003", "胸部CT平扫", "胸部CT平扫"),
                      ("33010004", "头颅磁共振平扫", "头颅磁共振平扫"),
                      ("33010005", "静脉输液", "静脉输液(第一组)"),
                      ("33010006", "注射用头孢曲松钠", "注射用头孢曲松钠 1.0g"),
                      ("33010007", "人血白蛋白", "人血白蛋白 10g"),
                      ("33010008", "药物洗脱冠状动脉支架", "药物洗脱冠状动脉支架")],
}
PENDING_ITEMS = {"demo-pharmacy": 1}  # how many of the last items stay pending

STAFF = [
    ("clerk01", "窗口经办 刘敏", "clerk", "clerk1234"),
    ("auditor01", "稽核 陈静", "auditor", "auditor1234"),
    ("admin01", "管理员 周强", "admin", "admin1234"),
]


def id_number_of(p: DemoPerson, index: int) -> str:
    return make_id_number(p.region, p.born, 10 + index, p.sex)


def has_demo_data(rt: Runtime) -> bool:
    with rt.db.read() as s:
        return s.exec(select(func.count()).select_from(Person)).one() > 0


def seed(rt: Runtime) -> None:
    actor = Actor(SYSTEM, Channel.CLI)
    ids = {}
    for i, p in enumerate(PEOPLE):
        person = accounts.register_person(rt, actor, NewPerson(
            name=p.name, id_number=id_number_of(p, i), insurance_type=p.insurance, region_code=p.region,
            phone=p.phone, password=PERSON_PASSWORD, balance_fen=p.balance_fen))
        ids[p.key] = person.id
    now = rt.clock.now()

    def relate(s):
        for a, b, kind, verified in RELATIONSHIPS:
            s.add(Relationship(
                person_id=ids[a], relative_id=ids[b], pair_key=family.pair_key(ids[a], ids[b]), kind=kind,
                status="verified" if verified else "claimed", claimed_by=ids[b], claimed_at=now,
                decided_via="registry" if verified else None, decided_at=now if verified else None))

    rt.db.write(relate)

    def as_person(key: str) -> Actor:
        return Actor(Principal(PrincipalKind.HOUSEHOLD, ids[key]), Channel.CLI)

    name, members = HOUSEHOLD
    founder = as_person(members[0])
    household = family.create_household(rt, founder, name)
    for key in members[1:]:
        family.add_household_member(rt, founder, household.id, ids[key])

    for key in VOUCHERS:
        bindings.activate_voucher(rt, as_person(key))
    for holder, subject, consented in BINDINGS:
        binding = bindings.request_binding(rt, as_person(holder), ids[subject])
        if consented:
            bindings.approve_binding(rt, as_person(subject), binding.id)
    made = {}
    for grantor, grantee, cap in GRANTS:
        made[grantor, grantee] = grants.create_grant(rt, as_person(grantor), ids[grantee], monthly_cap_fen=cap)
    # The son's payer order, chosen by his guardians: his father's grant first, then his mother's.
    grants.set_payer_order(rt, as_person("son"), [grant_pool(made["father", "son"].id),
                                                  grant_pool(made["mother", "son"].id)], False)
    for name, kind, level, region, seed_ in PARTNERS:
        institution, _key = accounts.create_partner(rt, actor, name=name, kind=kind, level=level, region_code=region,
                                                    key_seed=seed_)
        map_items(rt, Principal(PrincipalKind.PARTNER, institution.id, name, kind), seed_)
    for username, name, role, password in STAFF:
        accounts.create_staff(rt, actor, username=username, name=name, role=role, password=password)


def map_items(rt: Runtime, institution: Principal, seed_: str) -> None:
    """The institution submits its item mappings (national codes found by the sample catalogue's names) and the
    system approves all but the last `PENDING_ITEMS`; nothing when the catalogue lacks them."""
    items = ITEMS.get(seed_, [])
    with rt.db.read() as s:
        codes = dict(s.exec(select(CatalogueEntry.name, CatalogueEntry.national_code)
                            .where(CatalogueEntry.name.in_([name for _c, _n, name in items]))).all())
    wanted = [mappings.Submission(code, codes[name], own) for code, own, name in items if name in codes]
    if not wanted:
        return
    rows = mappings.submit(rt, Actor(institution, Channel.CLI), wanted)
    for row in rows[:len(rows) - PENDING_ITEMS.get(seed_, 0)]:
        mappings.decide(rt, Actor(SYSTEM, Channel.CLI), row.id, approve=True)


def logins() -> dict:
    """What `seed-demo --json` prints: enough for a script to drive every kind of caller."""
    from backend.services.platform.credentials import new_api_key

    return {
        "people": [{"name": p.name, "id_number": id_number_of(p, i), "phone": p.phone,
                    "password": PERSON_PASSWORD, "role": p.role} for i, p in enumerate(PEOPLE)],
        "partners": [{"name": n, "kind": k, "api_key": new_api_key(seed_).plaintext}
                     for n, k, _l, _r, seed_ in PARTNERS],
        "staff": [{"username": u, "password": pw, "role": r} for u, _n, r, pw in STAFF],
    }
