"""The roster import's PostgreSQL paths. Its checks in SQL against the domain's `check_row`: a row the SQL
accepts is one the domain accepts, normalized to the same values and digest; a row the SQL does not accept
sends the file to the row-by-row path, which names its problems as before. A first load builds person's
search indexes once, after its rows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from backend.domain.idnumber import check_digit
from backend.domain.roster import check_row, header_columns
from backend.services.roster import roster, roster_apply, roster_sql
from backend.storage.models import POSTGRESQL_SEARCH_INDEXES, Person, RosterRow
from tests.helpers import count
from tests.roster_files import CLI, HEADER, id_number, import_file, write

POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
pytestmark = POSTGRESQL



def _numbered(first17: str) -> str:
    return first17 + check_digit(first17)


GOOD = id_number(1)
LOWER_X = next(n for n in (id_number(i, s) for i in range(40) for s in range(1, 60)) if n.endswith("X"))
# (row, whether the SQL must accept it): the rows it need not accept must still never be accepted wrongly.
ROWS = [
    ([GOOD, "王强", "13900000001", "employee", "370102", "active", "1234.56"], True),
    ([f"  {GOOD} ", " 王强 ", " +86 139-0000-0001 ", " Employee ", " 370102 ", " ACTIVE ", " ¥1,234.5 "], True),
    ([GOOD, "王强", "0086 531 8600 1234", "职工医保", "370102", "正常参保", "0"], True),
    ([GOOD, "王强", "(0531) 8600-1234", "职工", "370102", "参保", "12."], True),
    ([GOOD, "王强", "+86 531 8600 1234", "居民", "370203", "暂停", ""], True),
    ([GOOD, "Mary Ann O'Neil", "", "resident", "110101", "ended", ""], True),
    ([GOOD, "阿依古丽·买买提", "", "城乡居民医保", "370102", "终止参保", ""], True),
    ([LOWER_X.lower(), "刘芳", "", "resident", "370102", "active", ""], True),
    ([GOOD, "王强", "", "employee", "370102", "active", "10000000.00"], True),
    ([GOOD, "王强", "\t139 0000\r0001", "resident", "370102", "active", ""], True),
    # Good for the domain, left to it by the SQL: other whitespace, rarer scripts, other digits.
    ([f"\u3000{GOOD}", "王强", "", "resident", "370102", "active", ""], False),
    ([GOOD, "王强\u00a0", "", "resident", "370102", "active", ""], False),
    ([GOOD, "𠀀强", "", "resident", "370102", "active", ""], False),
    ([GOOD, "王强", "", "employee", "370102", "active", ".5"], False),
    ([GOOD, "王强", "", "resid\u0130nt", "370102", "active", ""], False),
    # Bad for both.
    ([GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2"), "王强", "", "resident", "370102", "active", ""], False),
    ([GOOD[:17], "王强", "", "resident", "370102", "active", ""], False),
    ([_numbered("37010219700230011"), "王强", "", "resident", "370102", "active", ""], False),
    ([_numbered("37010219000229011"), "王强", "", "resident", "370102", "active", ""], False),
    ([_numbered("37010220000229011"), "王强", "", "resident", "370102", "active", ""], True),
    ([_numbered("37010219701301011"), "王强", "", "resident", "370102", "active", ""], False),
    (["990102" + GOOD[6:], "王强", "", "resident", "370102", "active", ""], False),
    ([_numbered("37010218991231011"), "王强", "", "resident", "370102", "active", ""], False),
    ([GOOD, "", "", "resident", "370102", "active", ""], False),
    ([GOOD, "王\x07强", "", "resident", "370102", "active", ""], False),
    ([GOOD, "王" * 65, "", "resident", "370102", "active", ""], False),
    ([GOOD, "王强", "1390", "resident", "370102", "active", ""], False),
    ([GOOD, "王强", "+86", "resident", "370102", "active", ""], False),
    ([GOOD, "王强", "", "farmer", "370102", "active", ""], False),
    ([GOOD, "王强", "", "resident", "379999", "active", ""], False),
    ([GOOD, "王强", "", "resident", "37010", "active", ""], False),
    ([GOOD, "王强", "", "resident", "370102", "gone", ""], False),
    ([GOOD, "王强", "", "resident", "370102", "active", "1.00"], False),
    ([GOOD, "王强", "", "employee", "370102", "active", ""], False),
    ([GOOD, "王强", "", "employee", "370102", "active", "-1.00"], False),
    ([GOOD, "王强", "", "employee", "370102", "active", "1.005"], False),
    ([GOOD, "王强", "", "employee", "370102", "active", "10000000.01"], False),
]


class _Rollback(Exception):
    pass


def _staged_by_sql(rt, import_id, path) -> RosterRow | None:
    """The row as the SQL stages it, or None when it does not accept it (nothing is kept either way)."""
    found: list = []

    def work(s):
        try:
            roster_sql.stage_file(s, import_id, path, "utf-8", rt.clock.now().date(), lambda header: None,
                                  lambda done: None, 1000)
        except roster_sql.NotClean:
            raise _Rollback from None
        found.append(s.exec(select(RosterRow).where(RosterRow.import_id == import_id)).one()[0].model_copy())
        raise _Rollback

    try:
        rt.db.write(work)
    except _Rollback:
        pass
    return found[0] if found else None


@pytest.mark.parametrize("fields, accepted", ROWS)
def test_the_sql_accepts_only_what_the_domain_does_and_normalizes_it_the_same(rt, tmp_path, fields, accepted):
    path = write(tmp_path / "one.csv", [fields])
    row = roster.start(rt, CLI, path, path.name).row
    staged = _staged_by_sql(rt, row.id, path)
    header = header_columns(HEADER)
    checked, errors = check_row(2, fields, header.positions, len(HEADER), rt.clock.now().date())
    assert (staged is not None) == accepted
    if staged is None:
        return
    assert not errors
    assert (staged.row_no, staged.id_number, staged.name, staged.phone, staged.birth_date, staged.sex,
            staged.insurance_type, staged.region_code, staged.status, staged.balance_fen, staged.row_sha256) == \
        (2, checked.id_number, checked.name, checked.phone, checked.birth_date, checked.sex.value,
         checked.insurance_type.value, checked.region_code, checked.status.value, checked.balance_fen, checked.digest)


def test_a_nul_character_is_named_as_the_domain_names_it(rt, tmp_path):
    row = import_file(rt, write(tmp_path / "nul.csv", [[id_number(1), "王\x00强", "", "resident", "370102", "active", ""]]))
    with rt.db.read() as s:
        assert (row.status, [(e.row_no, e.column) for e in roster.errors(s, row.id)]) == ("invalid", [(2, "name")])


def test_a_file_the_sql_leaves_to_the_domain_still_imports(rt, tmp_path):
    path = write(tmp_path / "rare.csv", [
        [id_number(1), "𠀀强", "", "resident", "370102", "active", ""],
        [id_number(2), "王强", "", "employee", "370102", "active", ".5"],
    ])
    row = import_file(rt, path)
    assert (row.status, row.new_count, row.adjusted_count) == ("done", 2, 1)
    assert count(rt, Person) == 2


def test_born_today_is_accepted_and_tomorrow_is_not(rt, tmp_path, clock):
    today = clock.now().date()
    from backend.domain.idnumber import Sex, make_id_number

    for born, accepted in ((today, True), (date.fromordinal(today.toordinal() + 1), False)):
        path = write(tmp_path / f"{born}.csv", [[make_id_number("370102", born, 1, Sex.MALE), "王强", "", "resident",
                                                 "370102", "active", ""]])
        row = roster.start(rt, CLI, path, path.name).row
        assert (_staged_by_sql(rt, row.id, path) is not None) == accepted


def _search_indexes(rt) -> dict[str, str]:
    with rt.db.read() as s:
        return dict(s.connection().exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'person' AND indexname = ANY(%(names)s)",
            {"names": sorted(POSTGRESQL_SEARCH_INDEXES)}).all())


def test_a_first_load_builds_the_search_indexes_once_after_its_rows(rt, tmp_path, monkeypatch):
    from backend.domain.search import classify
    from backend.services.people.search import search_people

    before = _search_indexes(rt)
    assert set(before) == POSTGRESQL_SEARCH_INDEXES
    statements: list[str] = []
    event.listen(rt.db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    monkeypatch.setattr(roster_apply, "REBUILD_MIN", 0)
    row = import_file(rt, write(tmp_path / "first.csv", [
        [id_number(1), "欧阳娜娜", "", "resident", "370102", "active", ""],
        [id_number(2), "王强", "", "employee", "370102", "active", "10.00"]]))
    assert row.status == "done"
    assert sum(statement.startswith("DROP INDEX") for statement in statements) == 2
    assert _search_indexes(rt) == before
    with rt.db.read() as s:
        found = search_people(s, classify("阳娜"), 0, 10)
    assert [p.name for p in found.people] == ["欧阳娜娜"]

    # Not a first load any more: the next import keeps the indexes and maintains them row by row.
    statements.clear()
    assert import_file(rt, write(tmp_path / "next.csv", [
        [id_number(3), "刘芳", "", "resident", "370102", "active", ""]])).status == "done"
    assert not any(statement.startswith("DROP INDEX") for statement in statements)


def test_a_first_load_that_fails_keeps_the_search_indexes(rt, tmp_path, monkeypatch):
    before = _search_indexes(rt)
    monkeypatch.setattr(roster_apply, "REBUILD_MIN", 0)

    def broken(*args):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(roster_apply, "_close_adjustments", broken)
    row = import_file(rt, write(tmp_path / "first.csv", [
        [id_number(1), "王强", "", "employee", "370102", "active", "10.00"]]))
    assert row.status == "failed" and count(rt, Person) == 0
    assert _search_indexes(rt) == before
