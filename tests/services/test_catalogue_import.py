"""The catalogue import (issue 23 §1) on SQLite and PostgreSQL: checked whole, problems by row and column,
all or nothing, versions that never overlap, idempotent by the file's digest, UTF-8 or GB18030."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from backend.domain.errors import DomainError, ErrorCode
from backend.principals import Actor, Channel
from backend.services.catalogue import imports
from backend.storage.models import CatalogueEntry, CatalogueImport
from tests.helpers import CLI, audit_events, count, partner, staff

HEADER = "national_code,name,kind,class,b_self_first_percent,price_cap_yuan,valid_from,valid_to\n"


def _file(tmp_path, body: str, name: str = "cat.csv", encoding: str = "utf-8", header: str = HEADER):
    path = tmp_path / name
    path.write_bytes((header + body).encode(encoding))
    return path


def _versions(rt, code: str) -> list[tuple]:
    with rt.db.read() as s:
        rows = s.exec(select(CatalogueEntry).where(CatalogueEntry.national_code == code)
                      .order_by(CatalogueEntry.valid_from)).all()
    return [(r.valid_from, r.valid_to, r.price_cap_fen) for r in rows]


def test_the_sample_catalogue_is_in_every_test_database(rt):
    with rt.db.read() as s:
        rows, total = imports.search(s, "阿莫西林", on=date(2026, 3, 2))
        kinds = {r.kind for r in s.exec(select(CatalogueEntry)).all()}
        classes = {r.item_class for r in s.exec(select(CatalogueEntry)).all()}
        sample = s.exec(select(CatalogueImport)).one()
    assert total == 2 and all("阿莫西林" in r.name for r in rows)
    assert kinds == {"drug", "service", "consumable"} and classes == {"A", "B", "C"}
    assert sample.status == "done" and sample.new_count > 300


def test_a_file_is_applied_whole_with_versions_that_never_overlap(rt, tmp_path):
    clerk = Actor(staff(rt, "clerk"), Channel.CONSOLE)
    first = _file(tmp_path, "T-1,测试药品甲,药品,甲类,,12.50,2026-01-01,\n"
                            "T-2,测试服务乙,医疗服务,乙类,15%,,2026-01-01,2026-12-31\n", name="first.csv")
    row, anew = imports.import_file(rt, clerk, first)
    assert anew and row.status == "done" and (row.new_count, row.unchanged_count, row.closed_count) == (2, 0, 0)
    with rt.db.read() as s:
        t2 = s.exec(select(CatalogueEntry).where(CatalogueEntry.national_code == "T-2")).one()
    assert (t2.kind, t2.item_class, t2.b_self_first_bp, t2.price_cap_fen) == ("service", "B", 1500, None)

    # A new version from July ends the open one the day before (its row, given again, is not new).
    second = _file(tmp_path, "T-1,测试药品甲,药品,甲类,,12.50,2026-01-01,\nT-1,测试药品甲,药品,甲类,,10.00,2026-07-01,\n",
                   name="second.csv")
    row, anew = imports.import_file(rt, clerk, second)
    assert (row.new_count, row.unchanged_count, row.closed_count) == (1, 0, 1)
    assert _versions(rt, "T-1") == [(date(2026, 1, 1), date(2026, 6, 30), 1250), (date(2026, 7, 1), None, 1000)]

    # The same file again is the same import: nothing changes.
    again, anew = imports.import_file(rt, clerk, second)
    assert not anew and again.id == row.id
    assert [e.action for e in audit_events(rt) if e.action.startswith("catalogue.import")][-2:] == [
        "catalogue.import_done", "catalogue.import_done"]


def test_problems_by_row_and_column_write_nothing(rt, tmp_path):
    before = count(rt, CatalogueEntry)
    bad = _file(tmp_path, "T-1,好的一行,药品,甲类,,1.00,2026-01-01,\n"
                          "T 2,,耗材,丁类,10,-1,2026-13-01,\n"
                          "T-3,乙类以外有比例,药品,甲类,20,,2026-01-01,2025-01-01\n"
                          "T-1,重复,药品,甲类,,,2026-01-01,\n")
    row, anew = imports.import_file(rt, CLI, bad)
    assert anew and row.status == "invalid" and count(rt, CatalogueEntry) == before
    found = {(p.row, p.column, p.code) for p in imports.problems(row)}
    assert {(3, "national_code", "CODE_FORMAT"), (3, "name", "NAME_REQUIRED"), (3, "item_class", "CLASS_UNKNOWN"),
            (3, "price_cap_yuan", "AMOUNT"), (3, "valid_from", "DATE_FORMAT"), (4, "b_self_first_percent", "SHARE_NOT_B"),
            (4, "valid_to", "DATES_ORDER")} <= found
    assert row.error_count == len(found)
    csv_text = "".join(imports.problems_csv(row, "en"))
    assert "CLASS_UNKNOWN" in csv_text and "丁类" in csv_text

    # Only the whole-file checks are left once every row holds: the same code and date twice.
    dup = _file(tmp_path, "T-1,甲,药品,甲类,,,2026-01-01,\nT-1,甲,药品,甲类,,,2026-01-01,\n", name="dup.csv")
    row, _ = imports.import_file(rt, CLI, dup)
    assert [(p.row, p.code, p.params) for p in imports.problems(row)] == [(3, "DUPLICATE_VERSION", {"other": 2})]


def test_a_version_on_file_is_never_changed_but_may_be_ended(rt, tmp_path):
    imports.import_file(rt, CLI, _file(tmp_path, "T-9,项目,医用耗材,乙类,,100,2026-01-01,\n", name="a.csv"))
    changed = _file(tmp_path, "T-9,项目,医用耗材,乙类,,90,2026-01-01,\n", name="b.csv")
    row, _ = imports.import_file(rt, CLI, changed)
    assert row.status == "invalid" and [p.code for p in imports.problems(row)] == ["VERSION_DIFFERS"]
    ended = _file(tmp_path, "T-9,项目,医用耗材,乙类,,100,2026-01-01,2026-05-31\n", name="c.csv")
    row, _ = imports.import_file(rt, CLI, ended)
    assert row.status == "done" and row.closed_count == 1
    assert _versions(rt, "T-9") == [(date(2026, 1, 1), date(2026, 5, 31), 10000)]


def test_a_dry_run_checks_everything_and_writes_no_entry(rt, tmp_path):
    path = _file(tmp_path, "T-5,项目,药品,丙类,,,2026-01-01,\n")
    row, _ = imports.import_file(rt, CLI, path, dry_run=True)
    assert row.status == "dry_run" and row.new_count == 1 and _versions(rt, "T-5") == []
    row, anew = imports.import_file(rt, CLI, path)  # the same file after a dry run starts over
    assert anew and row.status == "done" and _versions(rt, "T-5") == [(date(2026, 1, 1), None, None)]


def test_gb18030_header_synonyms_and_comments(rt, tmp_path):
    path = _file(tmp_path, "# 说明：这一行是注释\nT-7,中文编码的项目,中成药,乙,10,8.5,2026/01/01,\n", encoding="gb18030",
                 header="医保编码,名称,目录类别,甲乙类,先行自付比例,限价,开始日期,结束日期\n")
    row, _ = imports.import_file(rt, CLI, path)
    assert row.status == "done" and row.encoding == "gb18030" and row.new_count == 1
    assert _versions(rt, "T-7") == [(date(2026, 1, 1), None, 850)]


@pytest.mark.one_database
def test_the_header_must_name_the_required_columns(rt, tmp_path):
    row, _ = imports.import_file(rt, CLI, _file(tmp_path, "x,y\n", header="national_code,colour\n"))
    codes = {(p.column, p.code) for p in imports.problems(row)}
    assert ("", "UNKNOWN_COLUMN") in codes and ("name", "MISSING_COLUMN") in codes


def test_only_clerks_and_admins_import(rt, tmp_path):
    path = _file(tmp_path, "T-8,项目,药品,甲类,,,2026-01-01,\n")
    for who in (Actor(staff(rt, "auditor"), Channel.CONSOLE), Actor(partner(rt)[0], Channel.GRAPHQL)):
        with pytest.raises(DomainError) as refused:
            imports.import_file(rt, who, path)
        assert refused.value.code is ErrorCode.NOT_ALLOWED


@pytest.mark.serializable
@pytest.mark.pooler
def test_concurrent_imports_leave_versions_that_never_overlap(rt, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    imports.import_file(rt, CLI, _file(tmp_path, "T-C,并发,药品,甲类,,10,2026-01-01,\n", name="base.csv"))
    files = [_file(tmp_path, f"T-C,并发,药品,甲类,,{9 - n},2026-0{n + 2}-01,\n", name=f"v{n}.csv") for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(lambda path: imports.import_file(rt, CLI, path).row.status, files))
    assert done == ["done"] * 4
    versions = _versions(rt, "T-C")
    assert [v[0] for v in versions] == [date(2026, m, 1) for m in range(1, 6)]
    for (_, end, _), (start, _, _) in zip(versions, versions[1:], strict=False):
        assert end == start - timedelta(days=1)
    assert versions[-1][1] is None
