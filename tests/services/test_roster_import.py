"""Roster import on SQLite and PostgreSQL: validated whole, applied all or nothing, idempotent, and money moved
through the ledger."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import Sex
from backend.observability import metrics
from backend.principals import Actor, Channel
from backend.services.money import grants
from backend.services.money.ledger_check import verify
from backend.services.roster import roster
from backend.storage.models import (
    Enrolment,
    Grant,
    LedgerPosting,
    LedgerTransaction,
    Person,
    PersonalAccount,
    RosterRow,
)
from tests.helpers import actor_of, count, person, relate, staff
from tests.roster_files import CLI, id_number, import_file, write

pytestmark = [pytest.mark.serializable, pytest.mark.pooler]


def _jobs(outcome: str) -> float:
    return metrics.REGISTRY.get_sample_value("roster_import_jobs_total", {"outcome": outcome}) or 0.0


def _person(rt, id_no: str):
    with rt.db.read() as s:
        p = s.exec(select(Person).where(Person.id_number == id_no)).one()
        return p, s.get(Enrolment, p.id), s.get(PersonalAccount, p.id)


def _adjustments(rt):
    with rt.db.read() as s:
        return list(s.exec(select(LedgerTransaction).where(LedgerTransaction.kind == "roster_adjustment")).all())


def test_a_good_file_creates_people_and_updates_those_on_file(rt, tmp_path):
    known = person(rt, "赵敏", date(1975, 6, 1), insurance="employee", balance_fen=500_00)
    new_employee, new_resident = id_number(1), id_number(2, sex=Sex.FEMALE)
    path = write(tmp_path / "roster.csv", [
        [new_employee, "王强", "13900000001", "employee", "370102", "active", "1234.56"],
        [new_resident, "刘芳", "", "resident", "370203", "active", ""],
        [known.id_number, "赵敏", "", "employee", "370102", "active", "500.00"],
    ])
    row = import_file(rt, path, confirm=False)
    assert (row.status, row.total_rows, row.new_count, row.changed_count, row.error_count) == ("ready", 3, 2, 1, 0)
    assert count(rt, Person) == 1  # validation writes no person

    row = import_file(rt, path)
    assert (row.status, row.new_count, row.changed_count, row.adjusted_count) == ("done", 2, 1, 1)
    p, enrolment, account = _person(rt, new_employee)
    assert (p.name, p.phone, p.birth_date, enrolment.insurance_type, account.balance_fen) == \
        ("王强", "13900000001", date(1971, 1, 2), "employee", 1234_56)
    p, enrolment, account = _person(rt, new_resident)
    assert (p.sex, enrolment.region_code, account) == ("female", "370203", None)
    assert _person(rt, known.id_number)[2].balance_fen == 500_00  # unchanged balance: no movement
    [adjustment] = _adjustments(rt)
    assert adjustment.reference_id == row.id
    assert count(rt, RosterRow) == 0  # staging emptied
    assert verify(rt.db).ok


def test_bad_rows_write_nothing_and_are_named_by_row_and_column(rt, tmp_path):
    known = person(rt, "赵敏", date(1975, 6, 1))
    good = id_number(3)
    path = write(tmp_path / "bad.csv", [
        [good, "王强", "13900000001", "employee", "370102", "active", "10.00"],
        [good[:-1] + ("1" if good[-1] != "1" else "2"), "李雷", "", "resident", "370102", "active", ""],
        [id_number(4), "韩梅", "", "resident", "370102", "retired", "3.00"],
        [good, "王强", "", "employee", "370102", "active", "10.005"],
        [known.id_number, "赵明", "", "resident", "370102", "active", ""],
        [id_number(5), "周杰", "13900000001", "resident", "370102", "active", ""],
    ])
    invalid_before = _jobs("invalid")
    row = import_file(rt, path)
    assert row.status == "invalid"
    assert _jobs("invalid") == invalid_before + 1  # counted once, when the job ended
    with rt.db.read() as s:
        found = {(e.row_no, e.column, e.code) for e in roster.errors(s, row.id)}
    assert found == {(3, "id_number", "ID_NUMBER_CHECK_DIGIT"), (4, "status", "STATUS_UNKNOWN"),
                     (4, "balance_yuan", "BALANCE_NOT_EMPLOYEE"), (5, "balance_yuan", "AMOUNT")}
    assert row.error_count == 4 and count(rt, Person) == 1 and count(rt, RosterRow) == 0

    # With the row problems fixed, the file-wide and on-file checks speak.
    path = write(tmp_path / "bad2.csv", [
        [good, "王强", "13900000001", "employee", "370102", "active", "10.00"],
        [good, "王强", "", "employee", "370102", "active", "10.00"],
        [known.id_number, "赵明", "", "resident", "370102", "active", ""],
        [id_number(5), "周杰", "13900000001", "resident", "370102", "active", ""],
    ])
    row = import_file(rt, path)
    with rt.db.read() as s:
        found = [(e.row_no, e.column, e.code, e.params) for e in roster.errors(s, row.id)]
    assert sorted(found) == [(2, "id_number", "DUPLICATE_ID", '{"other": 3}'),
                             (2, "phone", "DUPLICATE_PHONE", '{"other": 5}'),
                             (3, "id_number", "DUPLICATE_ID", '{"other": 2}'),
                             (4, "name", "NAME_MISMATCH", "{}"),
                             (5, "phone", "DUPLICATE_PHONE", '{"other": 2}')]
    assert count(rt, Person) == 1 and count(rt, LedgerTransaction) == 0
    lines = "".join(roster.errors_csv(rt, row.id, "en")).splitlines()
    assert lines[0] == "Row,Column,Value in the file,Code,Problem" and len(lines) == 6
    assert lines[1] == f"2,id_number,{good},DUPLICATE_ID,This ID number is also on row 3."
    assert "".join(roster.errors_csv(rt, row.id, "zh_CN")).splitlines()[0] == "行,列,文件中的值,代码,问题"


def test_the_same_file_twice_changes_nothing(rt, tmp_path):
    rows = [[id_number(6), "王强", "", "employee", "370102", "active", "88.00"],
            [id_number(7), "刘芳", "", "resident", "370102", "active", ""]]
    first = import_file(rt, write(tmp_path / "a.csv", rows))
    before = (count(rt, Person), count(rt, LedgerTransaction), count(rt, LedgerPosting))
    again = import_file(rt, tmp_path / "a.csv")
    assert again.id == first.id and again.status == "done"
    # The same people in another spelling (Chinese header and values, rows swapped): nothing to do either.
    other = write(tmp_path / "b.csv", [[r[0], r[1], r[2], {"employee": "职工", "resident": "居民"}[r[3]], r[4],
                                        "参保", r[6]] for r in reversed(rows)],
                  header=["身份证号", "姓名", "手机号", "险种", "统筹区", "参保状态", "个人账户余额"])
    second = import_file(rt, other)
    assert second.id != first.id and (second.unchanged_count, second.new_count, second.changed_count) == (2, 0, 0)
    assert (count(rt, Person), count(rt, LedgerTransaction), count(rt, LedgerPosting)) == before


def test_a_balance_change_is_a_roster_adjustment_not_an_overwrite(rt, tmp_path):
    worker = id_number(8)
    import_file(rt, write(tmp_path / "day1.csv", [[worker, "王强", "", "employee", "370102", "active", "100.00"]]))
    day2 = import_file(rt, write(tmp_path / "day2.csv", [[worker, "王强", "", "employee", "370102", "active",
                                                           "60.50"]]))
    assert (day2.changed_count, day2.adjusted_count, day2.adjusted_net_fen) == (1, 1, -39_50)
    p, _, account = _person(rt, worker)
    assert account.balance_fen == 60_50
    adjustments = _adjustments(rt)
    assert len(adjustments) == 2 and day2.id in {a.reference_id for a in adjustments}
    with rt.db.read() as s:
        mine = s.exec(select(func.sum(LedgerPosting.amount_fen)).where(LedgerPosting.person_id == p.id)).one()
    assert mine == 60_50
    assert verify(rt.db).ok


def test_an_enrolment_change_suspends_a_grant(rt, tmp_path):
    clerk = staff(rt, "clerk")
    grantor = person(rt, "张伟", date(1978, 3, 14), Sex.MALE, insurance="employee", balance_fen=1000_00)
    child = person(rt, "张小宝", date(2016, 2, 28), Sex.MALE)
    relate(rt, grantor, child, "child", verify_with=clerk)
    grant = grants.create_grant(rt, actor_of(grantor), child.id)
    row = import_file(rt, write(tmp_path / "moved.csv", [
        [grantor.id_number, "张伟", "", "employee", "370102", "suspended", "1000.00"]]))
    assert row.status == "done" and row.adjusted_count == 0
    with rt.db.read() as s:
        state = grants.state_of(s, s.get(Grant, grant.id))
    assert state.status == "suspended" and state.because.rule == "R2"
    assert _person(rt, grantor.id_number)[1].status == "suspended"


def test_a_gb18030_file_is_detected(rt, tmp_path):
    path = write(tmp_path / "gb.csv", [[id_number(9), "欧阳娜娜", "", "居民", "370102", "参保", ""]],
                 header=["身份证号", "姓名", "手机号", "险种", "统筹区", "参保状态", "个人账户余额"],
                 encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    row = import_file(rt, path)
    assert (row.status, row.encoding, row.new_count) == ("done", "gb18030", 1)
    assert _person(rt, id_number(9))[0].name == "欧阳娜娜"


def test_a_file_in_another_encoding_than_declared_is_refused_by_row(rt, tmp_path):
    path = write(tmp_path / "gb.csv", [[id_number(10), "欧阳娜娜", "", "resident", "370102", "active", ""]],
                 encoding="gb18030")
    row = import_file(rt, path, encoding="utf-8")
    with rt.db.read() as s:
        assert [(e.code, e.row_no) for e in roster.errors(s, row.id)] == [("ENCODING", 2)]


def test_only_admins_import_and_states_are_kept(rt, tmp_path):
    path = write(tmp_path / "r.csv", [[id_number(11), "王强", "", "resident", "370102", "active", ""]])
    with pytest.raises(DomainError) as refused:
        roster.start(rt, Actor(staff(rt, "clerk"), Channel.CONSOLE), path, "r.csv")
    assert refused.value.code is ErrorCode.NOT_ALLOWED
    row = import_file(rt, path, confirm=False)
    with pytest.raises(DomainError) as refused:
        roster.apply(rt, CLI, row.id)  # not confirmed
    assert refused.value.code is ErrorCode.ROSTER_STATE
    assert roster.cancel(rt, CLI, row.id).status == "cancelled"
    assert count(rt, RosterRow) == 0 and count(rt, Person) == 0
    # The same file after a cancel starts over.
    assert import_file(rt, path).status == "done"


def test_the_documented_example_imports(rt):
    from backend.config import PROJECT_ROOT

    row = import_file(rt, PROJECT_ROOT / "docs/examples/roster.csv")
    assert (row.status, row.new_count, row.adjusted_count) == ("done", 5, 3)
    assert verify(rt.db).ok


def test_a_huge_bad_file_keeps_a_bounded_number_of_problems(rt, tmp_path):
    from backend.storage.models import RosterImportError

    rows = [[id_number(i), "王强", "", "resident", "370102", "gone", ""] for i in range(roster.STORED_PROBLEMS + 500)]
    rows.insert(3, [id_number(7000), "刘芳", "", "resident", "370102", "active", ""])  # a good row among them
    row = import_file(rt, write(tmp_path / "bad.csv", rows))
    assert row.status == "invalid" and row.error_count == roster.STORED_PROBLEMS + 500
    assert count(rt, RosterImportError) == roster.STORED_PROBLEMS and count(rt, RosterRow) == 0
    with rt.db.read() as s:
        assert roster.errors(s, row.id, limit=1)[0].row_no == 2  # the first ones are kept
    assert len("".join(roster.errors_csv(rt, row.id, "en")).splitlines()) == roster.STORED_PROBLEMS + 1


def test_file_wide_problems_are_bounded_too(rt, tmp_path, monkeypatch):
    from backend.storage.models import RosterImportError

    monkeypatch.setattr(roster, "STORED_PROBLEMS", 5)
    twice = id_number(12)
    rows = [[twice, "王强", "", "resident", "370102", "active", ""] for _ in range(8)]
    row = import_file(rt, write(tmp_path / "twice.csv", rows))
    assert row.error_count == 8 and count(rt, RosterImportError) == 5
    with rt.db.read() as s:
        assert [(e.row_no, e.value) for e in roster.errors(s, row.id)] == [(r, twice) for r in range(2, 7)]


def test_phones_are_normalized_so_search_finds_them(rt, tmp_path):
    from backend.domain.search import classify
    from backend.services.people.search import search_people

    row = import_file(rt, write(tmp_path / "phones.csv", [
        [id_number(13), "王强", "+8613905319993", "resident", "370102", "active", ""],
        [id_number(14), "刘芳", "139-0531-9994", "resident", "370102", "active", ""]]))
    assert row.status == "done"
    with rt.db.read() as s:
        for typed, name in (("13905319993", "王强"), ("139 0531 9994", "刘芳")):
            found = search_people(s, classify(typed), 0, 10)
            assert found.total == 1 and found.people[0].name == name
    # The same phone written two ways is the same phone.
    again = import_file(rt, write(tmp_path / "twice.csv", [
        [id_number(15), "赵敏", "+86 139 0000 0001", "resident", "370102", "active", ""],
        [id_number(16), "钱多", "13900000001", "resident", "370102", "active", ""]]))
    with rt.db.read() as s:
        assert {e.code for e in roster.errors(s, again.id)} == {"DUPLICATE_PHONE"}


def test_a_dry_run_ends_as_a_dry_run_and_the_file_can_then_be_imported(rt, tmp_path):
    path = write(tmp_path / "dry.csv", [[id_number(17), "王强", "", "resident", "370102", "active", ""]])
    row = import_file(rt, path, confirm=False)
    ended = roster.end_dry_run(rt, CLI, row.id)
    assert ended.status == "dry_run" and count(rt, RosterRow) == 0 and count(rt, Person) == 0
    assert import_file(rt, path).status == "done"


def test_a_job_whose_process_is_gone_is_interrupted(rt, tmp_path):
    import subprocess
    import sys

    from backend.services.roster.roster import this_worker

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    host = this_worker().split(":")[0]
    dead_worker = f"{host}:{gone}:"
    path = write(tmp_path / "stopped.csv", [[id_number(18), "王强", "", "resident", "370102", "active", ""]])
    stopped, _ = roster.start(rt, CLI, path, path.name)
    roster.validate(rt, stopped.id, path)
    roster.confirm(rt, CLI, stopped.id)
    roster._set(rt, stopped.id, worker=dead_worker)  # the process applying it died
    alive = import_file(rt, write(tmp_path / "alive.csv", [[id_number(19), "刘芳", "", "resident", "370102",
                                                               "active", ""]]), confirm=False)
    roster._set(rt, alive.id, status=roster.Status.VALIDATING)  # still running, in this very process
    reused = import_file(rt, write(tmp_path / "reused.csv", [[id_number(21), "赵敏", "", "resident", "370102",
                                                                "active", ""]]), confirm=False)
    # Its pid is this process's now, but the process that ran it started at another time (a restart).
    roster._set(rt, reused.id, status=roster.Status.VALIDATING, worker=f"{this_worker().rsplit(':', 1)[0]}:1")

    assert roster.interrupt_abandoned(rt) == 2
    assert [roster.get(rt, r.id).status for r in (stopped, alive, reused)] == ["interrupted", "validating",
                                                                                "interrupted"]
    assert count(rt, Person) == 0
    again, anew = roster.start(rt, CLI, path, path.name)  # the same file starts over
    assert anew and again.id == stopped.id and again.status == "pending"


def test_the_service_marks_interrupted_jobs_when_it_starts(rt, tmp_path):
    from starlette.testclient import TestClient

    from web.app import create_app

    path = write(tmp_path / "stopped.csv", [[id_number(20), "王强", "", "resident", "370102", "active", ""]])
    stopped, _ = roster.start(rt, CLI, path, path.name)
    roster._set(rt, stopped.id, status=roster.Status.VALIDATING, worker="nowhere:1")
    with TestClient(create_app(rt)):
        assert roster.get(rt, stopped.id).status == "validating"  # another host's job: not judged from here
    roster._set(rt, stopped.id, worker=roster.this_worker().split(":")[0] + ":999999999:")
    with TestClient(create_app(rt)):
        assert roster.get(rt, stopped.id).status == "interrupted"


def test_checking_a_file_of_garbage_stops_early(rt, tmp_path, monkeypatch):
    monkeypatch.setattr(roster, "COUNTED_PROBLEMS", 30)
    rows = [[f"garbage{i}", "=cmd", "x", "?", "99", "?", "-1x"] for i in range(5000)]
    row = import_file(rt, write(tmp_path / "garbage.csv", rows))
    # Each row has six problems: checking stopped at the fifth row, not the five thousandth.
    assert (row.status, row.error_count, row.total_rows) == ("invalid", 30, 5)
