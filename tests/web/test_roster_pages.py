"""The roster import pages without a browser: a bad file's problems beside their rows, the full CSV download,
and who may upload."""

import re

from starlette.testclient import TestClient

from backend.services.roster.roster_jobs import JOBS
from backend.storage.models import Person, RosterImport
from tests.helpers import count, staff
from tests.roster_files import id_number
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
    assert lines[1].startswith("2,status,STATUS_UNKNOWN,参保状态应为")
    assert count(rt, Person) == 0


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
