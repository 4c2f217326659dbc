"""Roster rows, checked without a database: every column's rule, and digests that ignore spelling."""

from datetime import date

from backend.domain.idnumber import Sex, make_id_number
from backend.domain.roster import Problem, check_row, header_columns

TODAY = date(2026, 3, 2)
HEADER = ["id_number", "name", "phone", "insurance_type", "region_code", "status", "balance_yuan"]
POSITIONS = header_columns(HEADER).positions
ID = make_id_number("370102", date(1980, 5, 1), 1, Sex.MALE)


def check(*fields):
    return check_row(2, list(fields), POSITIONS, len(HEADER), TODAY)


def codes(errors):
    return {(e.column, e.code) for e in errors}


def test_a_good_employee_row():
    row, errors = check(ID, "王伟", "13800000001", "employee", "370102", "active", "1,234.50")
    assert errors == [] and row.balance_fen == 123450 and row.birth_date == date(1980, 5, 1) and row.sex is Sex.MALE


def test_chinese_headers_and_values_give_the_same_digest():
    header = header_columns(["\ufeff身份证号", "姓名", "手机号", "险种", "统筹区", "参保状态", "个人账户余额"])
    positions = header.positions
    assert header.errors == [] and header.synonyms == {}
    chinese, _ = check_row(2, [ID, "王伟", "", "职工", "370102", "参保", "12.5"], positions, 7, TODAY)
    english, _ = check(ID, "王伟", "", "employee", "370102", "active", "12.50")
    assert chinese.digest == english.digest


def test_every_bad_column_is_reported():
    bad_check = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    _, errors = check(bad_check, " ", "12ab", "retired", "990000", "gone", "1.234")
    assert codes(errors) == {("id_number", "ID_NUMBER_CHECK_DIGIT"), ("name", "NAME_REQUIRED"),
                             ("phone", Problem.PHONE_FORMAT), ("insurance_type", Problem.TYPE_UNKNOWN),
                             ("region_code", Problem.REGION_UNKNOWN), ("status", Problem.STATUS_UNKNOWN),
                             ("balance_yuan", Problem.AMOUNT)}


def test_birth_date_in_the_future_and_unknown_shandong_city():
    future = make_id_number("370102", date(2027, 1, 1), 1, Sex.MALE)
    _, errors = check(future, "王伟", "", "resident", "371299", "active", "")
    assert codes(errors) == {("id_number", "ID_NUMBER_BIRTH_DATE"), ("region_code", Problem.REGION_UNKNOWN)}


def test_balance_belongs_to_employees_only():
    _, errors = check(ID, "王伟", "", "resident", "370102", "active", "10.00")
    assert codes(errors) == {("balance_yuan", Problem.BALANCE_NOT_EMPLOYEE)}
    _, errors = check(ID, "王伟", "", "employee", "370102", "active", "")
    assert codes(errors) == {("balance_yuan", Problem.BALANCE_REQUIRED)}
    _, errors = check(ID, "王伟", "", "employee", "370102", "active", "-1")
    assert codes(errors) == {("balance_yuan", Problem.AMOUNT)}


def test_header_and_field_count():
    missing = header_columns(["name", "phone"]).errors
    assert {e.column for e in missing} == {"id_number", "insurance_type", "region_code", "status", "balance_yuan"}
    _, errors = check(ID, "王伟")
    assert codes(errors) == {("", Problem.FIELD_COUNT)}


def test_field_count_reads_right_for_one_field_and_under_its_earlier_id():
    from backend.domain.roster import STORED_EARLIER
    from backend.i18n import gettext

    _, [error] = check(ID)
    assert gettext("en", error.message_id, **error.params) == "Fields in this row: 1; in the header: 7."
    assert gettext("zh_CN", error.message_id, **error.params) == "本行字段数：1；表头字段数：7。"
    # Problems stored under the earlier wording are rendered by that id and still read in Chinese.
    assert gettext("zh_CN", STORED_EARLIER[0], found=1, expected=7) == "此行有 1 个字段，表头有 7 个。"


def test_the_header_is_judged_once_not_row_by_row():
    # A missing required column (the balance) is one header problem, not one per employee row.
    header = header_columns(["身份证号", "姓名", "手机号", "险种", "统筹区", "参保状态"])
    assert [(e.row, e.column, e.code) for e in header.errors] == [(1, "balance_yuan", Problem.MISSING_COLUMN)]
    # An unknown column refuses the file and is named; a doubled one too.
    header = header_columns(["身份证号", "姓名", "手机号码x", "险种", "统筹区", "参保状态", "个人账户余额", "姓名"])
    assert [(e.code, e.value) for e in header.errors] == [(Problem.UNKNOWN_COLUMN, "手机号码x"),
                                                          (Problem.DUPLICATE_COLUMN, "姓名")]


def test_known_synonyms_are_read_and_said():
    header = header_columns(["身份证号码", "姓名", "电话", "险种", "统筹区", "参保状态", "个人账户余额"])
    assert header.errors == []
    assert header.synonyms == {"id_number": "身份证号码", "phone": "电话"}
    assert header.names["phone"] == "电话" and header.positions["phone"] == 2


def test_each_problem_keeps_the_value_the_file_had():
    _, errors = check(ID, "王伟", "12ab", "retired", "370102", "gone", "1.234")
    assert {(e.column, e.value) for e in errors} == {("phone", "12ab"), ("insurance_type", "retired"),
                                                      ("status", "gone"), ("balance_yuan", "1.234")}
    _, errors = check("x" * 300, "王伟", "", "resident", "370102", "active", "")
    assert [len(e.value) for e in errors] == [100]  # cut, so a huge cell cannot grow the database


def test_phones_are_stored_as_search_finds_them():
    for written in ("+8613905319993", "+86 139-0531-9993", "139 0531 9993", "0086 13905319993"):
        row, errors = check(ID, "王伟", written, "resident", "370102", "active", "")
        assert errors == [] and row.phone == "13905319993", written
    row, _ = check(ID, "王伟", "0531-8600 1234", "resident", "370102", "active", "")
    assert row.phone == "053186001234"
    _, errors = check(ID, "王伟", "+1 (555) 0100", "resident", "370102", "active", "")
    assert codes(errors) == {("phone", Problem.PHONE_FORMAT)}
