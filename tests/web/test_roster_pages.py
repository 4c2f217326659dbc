"""The roster import pages without a browser: a bad file's problems beside their rows, the full CSV download,
and who may upload."""

import re
import tempfile
from pathlib import Path

from starlette.testclient import TestClient

from backend.services.roster.roster_jobs import JOBS
from backend.storage.models import Person, RosterImport
from tests.helpers import count, staff
from tests.roster_files import CLI, id_number, write
from web.app import create_app

HEADER = "id_number,name,phone,insurance_type,region_code,status,balance_yuan\n"


def _client(rt, role):
    staff(rt, role, username=f"{role}r")
    client = TestClient(create_app(rt))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": f"{role}r", "password": "pw", "csrf_token": token})
    # Signing in starts a new session with a token of its own.
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/console/imports").text).group(1)
    return client, token


def _upload(client, token, text: str, **data):
    return client.post("/console/imports", files={"file": ("roster.csv", text.encode("utf-8"), "text/csv")},
                       data=data, headers={"X-CSRF-Token": token, "HX-Request": "true"})


def test_a_bad_file_lists_its_problems_and_downloads_them_all(rt):
    client, token = _client(rt, "admin")
    rows = "".join(f"{id_number(i)},李{i},,resident,370102,gone,\n" for i in range(250))
    answer = _upload(client, token, HEADER + rows)
    assert answer.status_code == 200 and answer.headers["HX-Redirect"].startswith("/console/imports/")
    JOBS.drain()
    page = client.get(answer.headers["HX-Redirect"])
    assert "发现 250 个问题，未导入任何数据" in page.text and "此处显示前 200 个" in page.text
    assert page.text.count("<tr><td>") == 200 and "hx-trigger" not in page.text  # done: no more polling
    download = client.get(answer.headers["HX-Redirect"] + "/errors.csv")
    lines = download.text.lstrip("\ufeff").splitlines()
    assert download.headers["content-type"].startswith("text/csv") and len(lines) == 251
    assert lines[0] == "行,列,文件中的值,代码,问题"  # in the staff member's language
    assert lines[1].startswith("2,status,gone,STATUS_UNKNOWN,参保状态应为")
    assert count(rt, Person) == 0


CHINESE_HEADER = "身份证号,姓名,电话,险种,统筹区,参保状态,个人账户余额\n"


def test_problems_are_named_by_the_files_own_header_with_the_value(rt):
    client, token = _client(rt, "admin")
    answer = _upload(client, token, CHINESE_HEADER + f"{id_number(1)},王强,=1+2,居民,370102,退休,\n")
    JOBS.drain()
    page = client.get(answer.headers["HX-Redirect"]).text
    assert "<tr><td>2</td><td>参保状态</td><td>退休</td><td>参保状态应为" in page
    assert "“电话”列按“手机号”读取" in page  # a synonym is read, and said
    english = client.get(answer.headers["HX-Redirect"] + "/errors.csv", headers={"Accept-Language": "en"}).text
    lines = english.lstrip("\ufeff").splitlines()
    assert lines[0] == "Row,Column,Value in the file,Code,Problem"
    # A formula from the file reaches the download only as text.
    assert lines[1].startswith("2,电话,'=1+2,PHONE_FORMAT,") and lines[2].startswith("2,参保状态,退休,STATUS_UNKNOWN,")


def test_an_unknown_column_refuses_the_file_and_a_missing_one_is_one_problem(rt):
    client, token = _client(rt, "admin")
    rows = "".join(f"{id_number(i)},李{i},,职工,370102,参保\n" for i in range(30))
    answer = _upload(client, token, "身份证号,姓名,手机号x,险种,统筹区,参保状态\n" + rows)
    JOBS.drain()
    page = client.get(answer.headers["HX-Redirect"]).text
    assert "发现 2 个问题" in page
    assert "<tr><td>1</td><td></td><td>手机号x</td><td>表头中有无法识别的列" in page
    assert "<tr><td>1</td><td>个人账户余额</td><td></td><td>表头缺少此列" in page


def test_the_same_file_again_says_so_and_changes_nothing(rt):
    client, token = _client(rt, "admin")
    text = HEADER + f"{id_number(1)},王强,,employee,370102,active,5.00\n"
    url = _upload(client, token, text).headers["HX-Redirect"]
    JOBS.drain()
    client.post(url + "/confirm", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    JOBS.drain()
    again = _upload(client, token, text)
    assert again.headers["HX-Redirect"] == url + "?again=1"
    page = client.get(again.headers["HX-Redirect"]).text
    assert "此文件已于" in page and "由admin user导入，本次未做任何更改" in page and count(rt, Person) == 1
    assert "此文件已于" not in client.get(url).text  # the import's own page says it only after an upload


def test_the_upload_works_without_javascript(rt):
    client, token = _client(rt, "admin")
    form = client.get("/console/imports").text
    field = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    # A plain form post: multipart, the token as the form's first field, no htmx header.
    answer = client.post("/console/imports", data={"csrf_token": field, "encoding": ""}, follow_redirects=False,
                         files={"file": ("roster.csv", (HEADER + f"{id_number(1)},王强,,resident,370102,active,\n")
                                         .encode(), "text/csv")})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/imports/")
    JOBS.drain()
    assert count(rt, RosterImport) == 1
    # Without the field, or with a wrong one, it is refused and nothing is started.
    for data in ({}, {"csrf_token": "forged"}):
        refused = client.post("/console/imports", data=data, files={"file": ("r.csv", b"x", "text/csv")})
        assert refused.status_code == 403
    assert count(rt, RosterImport) == 1


def test_progress_shows_rows_done_of_all_in_both_phases(rt, tmp_path, monkeypatch):
    from backend.services.roster import roster, roster_apply

    client, _ = _client(rt, "admin")
    path = write(tmp_path / "r.csv", [[id_number(i), f"李{i}", "", "resident", "370102", "active", ""]
                                      for i in range(12)])
    row, _ = roster.start(rt, CLI, path, "r.csv")
    url = f"/console/imports/{_gid(row.id)}/progress"
    checked = []
    monkeypatch.setattr(roster, "BATCH", 5)
    roster.validate(rt, row.id, path, progress=lambda done, total: checked.append(client.get(url).text))
    assert "已校验 5 / 12 行" in checked[0] and "已校验 10 / 12 行" in checked[1]

    monkeypatch.setattr(roster_apply, "CHUNK", 5)
    roster.confirm(rt, CLI, row.id)
    applied = []
    roster.apply(rt, CLI, row.id, progress=lambda done, total: applied.append(client.get(url).text))
    assert "已导入 0 / 12 行" in applied[0] and "已导入 5 / 12 行" in applied[1] and "已导入 10 / 12 行" in applied[2]
    assert 'id="import-done"' in client.get(url).text


def test_numbers_are_grouped(rt):
    from backend.services.roster import roster

    client, _ = _client(rt, "admin")
    row, _ = roster.start(rt, CLI, write(Path(tempfile.mkdtemp()) / "r.csv", []), "r.csv")
    roster._set(rt, row.id, status=roster.Status.VALIDATING, rows_processed=40_000, total_rows=100_000)
    assert "已校验 40,000 / 100,000 行" in client.get(f"/console/imports/{_gid(row.id)}/progress").text


def _gid(import_id) -> str:
    from backend.graph.core.ids import to_global_id

    return to_global_id("RosterImport", import_id)


def test_the_job_is_polled_while_it_runs_and_confirmed_from_the_page(rt):
    client, token = _client(rt, "admin")
    answer = _upload(client, token, HEADER + f"{id_number(1)},王强,,employee,370102,active,5.00\n")
    url = answer.headers["HX-Redirect"]
    JOBS.drain()
    assert "确认导入" in client.get(url).text
    confirmed = client.post(url + "/confirm", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in confirmed.text  # applying: the section polls its progress
    JOBS.drain()
    done = client.get(url + "/progress")
    assert 'id="import-done"' in done.text and "hx-trigger" not in done.text and count(rt, Person) == 1


def test_only_admins_upload(rt):
    client, token = _client(rt, "clerk")
    assert "只有管理员可以导入参保名单" in client.get("/console/imports").text
    answer = _upload(client, token, HEADER)
    assert "只有管理员可以导入参保名单" in answer.text
    assert count(rt, RosterImport) == 0
    auditor, _ = _client(rt, "auditor")
    assert 'id="imports"' in auditor.get("/console/imports").text
