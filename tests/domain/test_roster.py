"""Roster rows, checked without a database: every column's rule, and digests that ignore spelling."""

from datetime import date

from backend.domain.idnumber import Sex, make_id_number
from backend.domain.roster import Problem, check_row, header_columns

TODAY = date(2026, 3, 2)
HEADER = ["id_number", "name", "phone", "insurance_type", "region_code", "status", "balance_yuan"]
POSITIONS, _ = header_columns(HEADER)
ID = make_id_number("370102", date(1980, 5, 1), 1, Sex.MALE)


def check(*fields):
    return check_row(2, list(fields), POSITIONS, len(HEADER), TODAY)


def codes(errors):
    return {(e.column, e.code) for e in errors}


def test_a_good_employee_row():
    row, errors = check(ID, "王伟", "13800000001", "employee", "370102", "active", "1,234.50")
    assert errors == [] and row.balance_fen == 123450 and row.birth_date == date(1980, 5, 1) and row.sex is Sex.MALE


def test_chinese_headers_and_values_give_the_same_digest():
    positions, missing = header_columns(["\ufeff身份证号", "姓名", "手机号", "险种", "统筹区", "参保状态", "个人账户余额"])
    assert missing == []
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
    _, missing = header_columns(["name", "phone"])
    assert {e.column for e in missing} == {"id_number", "insurance_type", "region_code", "status"}
    _, errors = check(ID, "王伟")
    assert codes(errors) == {("", Problem.FIELD_COUNT)}
