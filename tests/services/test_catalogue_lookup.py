"""What settlement asks the catalogue (R18): the entry in force on the service date behind each of an
institution's item codes with an approved mapping, in one statement; on SQLite and PostgreSQL."""

import uuid
from datetime import date

from sqlalchemy import event

from backend.domain.catalogue import CatalogueItem, ItemClass, ItemKind
from backend.principals import Actor, Channel
from backend.services.catalogue import mappings
from backend.services.catalogue.lookup import catalogue_items
from backend.storage.models import CatalogueEntry, CatalogueImport
from tests.helpers import CLI, approve_mappings, partner

FIRST, SECOND = date(2026, 1, 1), date(2026, 7, 1)


def _entries(rt, *entries: dict) -> list[CatalogueEntry]:
    def work(s):
        source = CatalogueImport(file_sha256=uuid.uuid4().hex * 2, filename="test.csv", encoding="utf-8",
                                 status="done", created_at=rt.clock.now())
        s.add(source)
        s.flush()
        rows = [CatalogueEntry(import_id=source.id, row_sha256="0" * 64, **e) for e in entries]
        s.add_all(rows)
        s.flush()
        return rows
    return rt.db.write(work)


def _count_statements(rt):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):  # the read transaction's own, SQLite's only
            seen.append(statement)
    event.listen(rt.db.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(rt.db.engine, "before_cursor_execute", count)


def test_approved_mappings_give_the_entry_in_force_on_the_service_date_in_one_statement(rt):
    old, new, cough = _entries(
        rt,
        dict(national_code="TX-AMOX", name="阿莫西林胶囊", kind="drug", item_class="A", price_cap_fen=150,
             valid_from=FIRST, valid_to=date(2026, 6, 30)),
        dict(national_code="TX-AMOX", name="阿莫西林胶囊", kind="drug", item_class="B", b_self_first_bp=2000,
             price_cap_fen=120, valid_from=SECOND),
        dict(national_code="TX-COUGH", name="复方甘草片", kind="drug", item_class="C", valid_from=FIRST),
    )
    _entries(rt, dict(national_code="TX-ENDED", name="已停用项目", kind="service", item_class="A",
                      valid_from=FIRST, valid_to=date(2026, 2, 1)))
    pharmacy, _ = partner(rt)
    other, _ = partner(rt)
    approve_mappings(rt, pharmacy.id, {"P-AMOX": "TX-AMOX", "P-COUGH": "TX-COUGH", "P-ENDED": "TX-ENDED"})
    approve_mappings(rt, other.id, {"O-AMOX": "TX-AMOX"})
    pending = mappings.submit(rt, Actor(pharmacy, Channel.GRAPHQL), [mappings.Submission("P-WAIT", "TX-AMOX")])
    rejected = mappings.submit(rt, Actor(pharmacy, Channel.GRAPHQL), [mappings.Submission("P-NO", "TX-COUGH")])
    mappings.decide(rt, CLI, rejected[0].id, approve=False, reason="wrong item")
    assert pending[0].status == "pending"

    codes = ["P-AMOX", "P-COUGH", "P-ENDED", "P-WAIT", "P-NO", "O-AMOX", "P-UNKNOWN", "P-AMOX"]
    seen, stop = _count_statements(rt)
    try:
        with rt.db.read() as s:
            march = catalogue_items(s, institution_id=pharmacy.id, item_codes=codes, service_date=date(2026, 3, 2))
    finally:
        stop()
    assert len(seen) == 1
    assert march == {
        "P-AMOX": CatalogueItem(entry_id=old.id, national_code="TX-AMOX", name="阿莫西林胶囊", kind=ItemKind.DRUG,
                                item_class=ItemClass.A, b_self_first_bp=None, price_cap_fen=150),
        "P-COUGH": CatalogueItem(entry_id=cough.id, national_code="TX-COUGH", name="复方甘草片", kind=ItemKind.DRUG,
                                 item_class=ItemClass.C, b_self_first_bp=None, price_cap_fen=None),
    }
    with rt.db.read() as s:
        july = catalogue_items(s, institution_id=pharmacy.id, item_codes=codes, service_date=SECOND)
        january = catalogue_items(s, institution_id=pharmacy.id, item_codes=codes, service_date=FIRST)
        before = catalogue_items(s, institution_id=pharmacy.id, item_codes=codes, service_date=date(2025, 12, 31))
        nothing = catalogue_items(s, institution_id=pharmacy.id, item_codes=[], service_date=SECOND)
    assert july["P-AMOX"].entry_id == new.id and july["P-AMOX"].item_class is ItemClass.B
    assert july["P-AMOX"].b_self_first_bp == 2000 and july["P-AMOX"].price_cap_fen == 120
    assert set(january) == {"P-AMOX", "P-COUGH", "P-ENDED"}
    assert before == {} and nothing == {}


def test_a_newly_approved_mapping_replaces_the_old_one(rt):
    _entries(rt, dict(national_code="TX-A", name="甲", kind="drug", item_class="A", valid_from=FIRST),
             dict(national_code="TX-B", name="乙", kind="drug", item_class="B", valid_from=FIRST))
    pharmacy, _ = partner(rt)
    approve_mappings(rt, pharmacy.id, {"P-1": "TX-A"})
    approve_mappings(rt, pharmacy.id, {"P-1": "TX-B"})
    with rt.db.read() as s:
        found = catalogue_items(s, institution_id=pharmacy.id, item_codes=["P-1"], service_date=SECOND)
        rows, total = mappings.mappings(s, institution_id=pharmacy.id)
    assert found["P-1"].national_code == "TX-B"
    assert total == 2 and sorted(r.status for r in rows) == ["approved", "superseded"]


def test_the_sample_codes_tests_name_are_what_they_say(rt):
    from tests.helpers import SAMPLE_CODES

    pharmacy, _ = partner(rt)
    approve_mappings(rt, pharmacy.id, {name: code for name, code in SAMPLE_CODES.items()})
    with rt.db.read() as s:
        march = catalogue_items(s, institution_id=pharmacy.id, item_codes=list(SAMPLE_CODES), service_date=date(2026, 3, 2))
        july = catalogue_items(s, institution_id=pharmacy.id, item_codes=list(SAMPLE_CODES), service_date=SECOND)
    assert {name: (i.item_class.value, i.b_self_first_bp, i.price_cap_fen) for name, i in march.items()} == {
        "A_CAPPED": ("A", None, 1280), "A_CAPPED_2": ("A", None, 2200), "A_SERVICE": ("A", None, 2000),
        "B_CAPPED": ("B", None, 2850), "B_OWN_SHARE": ("B", 500, 2400), "B_UNCAPPED": ("B", None, None),
        "C": ("C", None, None), "C_CONSUMABLE": ("C", None, None), "A_CONSUMABLE": ("A", None, 80000)}
    assert (july["A_CAPPED"].price_cap_fen, july["A_CONSUMABLE"].price_cap_fen) == (1050, 70000)
    assert {march[n].kind.value for n in ("A_SERVICE", "C_CONSUMABLE", "C")} == {"service", "consumable", "drug"}
