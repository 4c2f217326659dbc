"""The fuzzers' write detector (tests/fuzz/target.py) sees an insert and an update, on both databases."""

from __future__ import annotations

from sqlalchemy import update

from backend.storage.models import StaffUser
from tests.fuzz.target import table_digest
from tests.helpers import staff


def test_the_digest_sees_inserts_and_updates(rt):
    before = table_digest(rt)
    clerk = staff(rt, "clerk")
    inserted = table_digest(rt)
    assert inserted["staffuser"] != before["staffuser"]
    with rt.db.engine.begin() as conn:
        conn.execute(update(StaffUser).where(StaffUser.id == clerk.id).values(name="another name"))
    updated = table_digest(rt)
    assert updated["staffuser"] != inserted["staffuser"]
    assert {k: v for k, v in updated.items() if k != "staffuser"} == {k: v for k, v in inserted.items() if k != "staffuser"}
