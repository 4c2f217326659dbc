"""The `yibao` command against both databases, and the demo data it loads."""

import json
import os
import subprocess
import sys
from datetime import date

from backend.services.people.accounts import authenticate_api_key, authenticate_password
from tests.helpers import gql


def yibao(url: str, *args: str, lang: str = "C.UTF-8", check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "PASSWORD_TIME_COST": "1", "PASSWORD_MEMORY_COST_KIB": "1024",
           "LANG": lang}
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, capture_output=True, text=True,
                          check=check, timeout=120)


def test_seed_demo_json_drives_every_kind_of_caller(rt, database_url):
    yibao(database_url, "migrate")
    demo = json.loads(yibao(database_url, "seed-demo", "--json").stdout)
    assert {"people", "partners", "staff"} <= demo.keys()
    assert {s["role"] for s in demo["staff"]} == {"clerk", "auditor", "admin"}
    assert {p["kind"] for p in demo["partners"]} == {"pharmacy", "hospital"}
    for p in demo["people"]:
        assert authenticate_password(rt, p["id_number"], p["password"]) is not None, p["name"]
    for s in demo["staff"]:
        assert authenticate_password(rt, s["username"], s["password"]).role == s["role"]
    for k in demo["partners"]:
        assert authenticate_api_key(rt, k["api_key"]).role == k["kind"]
    # Seeding again leaves the data alone and prints the same logins.
    again = yibao(database_url, "seed-demo", "--json")
    assert json.loads(again.stdout) == demo and "already" in again.stderr


def test_demo_family_spans_three_generations_and_shows_r1(rt, database_url):
    yibao(database_url, "seed-demo")
    demo = json.loads(yibao(database_url, "seed-demo", "--json").stdout)
    father = next(p for p in demo["people"] if p["name"] == "张伟")
    principal = authenticate_password(rt, father["id_number"], father["password"])
    result = gql(rt, principal, """{ viewer { ... on Person { personalAccount { balanceFen }
        family(first: 20) { edges { kind relationship { status } node { name insurance { type regionCode } } } }
        households { edges { node { name members { totalCount } } } } } } }""")
    me = result.data["viewer"]
    kinds = {e["node"]["name"]: e["kind"] for e in me["family"]["edges"]}
    assert kinds == {"李娜": "SPOUSE", "王秀英": "PARENT", "张晓雨": "CHILD", "张小宝": "CHILD", "张小安": "CHILD"}
    assert me["personalAccount"]["balanceFen"] > 0
    assert me["households"]["edges"][0]["node"]["members"]["totalCount"] == 5
    grandpa = next(p for p in demo["people"] if p["name"] == "李德明")
    assert grandpa["id_number"].startswith("3703")  # another Shandong city
    assert any("not a near relative" in p["role"] for p in demo["people"])


def test_create_staff_and_partner(rt, database_url):
    yibao(database_url, "create-staff", "--username", "newclerk", "--role", "clerk", "--password", "pw-1")
    assert authenticate_password(rt, "newclerk", "pw-1").role == "clerk"
    out = yibao(database_url, "create-partner", "--name", "新药房", "--kind", "pharmacy", "--region", "370103").stdout
    key = out.strip().splitlines()[-1]
    assert authenticate_api_key(rt, key).name == "新药房"


def test_command_line_lines_follow_lang(rt, database_url):
    zh = yibao(database_url, "create-staff", "--username", "li", "--role", "clerk", "--password", "pw-1",
               lang="zh_CN.UTF-8")
    assert zh.stdout == "已创建工作人员 li（clerk）\n"
    en = yibao(database_url, "prune-codes", "--hours", "1", lang="en_US.UTF-8")
    assert en.stdout == "removed 0 unused codes that expired more than 1 h ago\n"
    assert yibao(database_url, "prune-codes", lang="zh_CN.UTF-8").stdout == "已删除 0 个过期超过 24 小时的未使用付款码\n"


def test_command_line_counts_are_grouped_and_plural(monkeypatch):
    from backend.cli import _, ngettext

    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert ngettext("{count} partition created, {existing} already there",
                    "{count} partitions created, {existing} already there", 1, existing=12000) == \
        "1 partition created, 12,000 already there"
    assert _("database at revision head: {url}", url="x") == "database at revision head: x"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert ngettext("{count} partition created, {existing} already there",
                    "{count} partitions created, {existing} already there", 1200, existing=0) == \
        "已创建 1,200 个分区，已有 0 个"


def test_set_password_and_disable_staff_end_sessions_and_are_audited(rt, database_url):
    from backend.principals import Channel
    from backend.services.platform import sessions
    from tests.helpers import audit_events, person, staff

    member = person(rt, "张伟", date(1978, 3, 14), phone="13800000001", password="old-password")
    staff(rt, "clerk", username="clerk07")
    member_session = sessions.start(rt, authenticate_password(rt, "13800000001", "old-password"), ttl_seconds=600)
    staff_session = sessions.start(rt, authenticate_password(rt, "clerk07", "pw"), ttl_seconds=600,
                                   channel=Channel.CONSOLE)
    yibao(database_url, "set-password", "--username", member.id_number, "--password", "new-password-1")
    assert authenticate_password(rt, "13800000001", "new-password-1") is not None
    assert sessions.resolve(rt, member_session) is None
    yibao(database_url, "disable-staff", "--username", "clerk07", "--reason", "left the office")
    assert authenticate_password(rt, "clerk07", "pw") is None and sessions.resolve(rt, staff_session) is None
    assert [e.channel for e in audit_events(rt, "auth.password_set")] == ["cli"]
    assert "left the office" in audit_events(rt, "staff.disable")[0].detail
    refused = subprocess.run([sys.executable, "-m", "backend.cli", "disable-staff", "--username", "nobody",
                              "--reason", "left"],
                             env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True)
    assert refused.returncode == 1 and "refused (username): Not found." in refused.stderr


def test_import_parameters_loads_a_file_once_and_names_a_bad_entry(rt, database_url, tmp_path):
    from backend.services.region.parameters import SAMPLES

    # The fixture loaded the samples already: nothing changes.
    assert "0 added or replaced, 4 already there" in yibao(database_url, "import-parameters", str(SAMPLES)).stdout
    data = json.loads(SAMPLES.read_text(encoding="utf-8"))
    data["parameter_sets"] = [data["parameter_sets"][0] | {"region_prefix": "3702", "label": "Qingdao 2026"},
                              data["parameter_sets"][1] | {"premium_fen": -1}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "backend.cli", "import-parameters", str(bad)],
                             env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "parameter_sets[1].premiumFen" in refused.stderr
    data["parameter_sets"] = data["parameter_sets"][:1]
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert "1 added or replaced, 0 already there" in yibao(database_url, "import-parameters", str(bad)).stdout
    assert "0 added or replaced, 1 already there" in yibao(database_url, "import-parameters", str(bad)).stdout
    # A date more than two years ahead (the CLI reads the system clock) is taken only with --far-ahead.
    data["parameter_sets"][0]["effective_from"] = f"{date.today().year + 3}-01-01"
    bad.write_text(json.dumps(data), encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "backend.cli", "import-parameters", str(bad)],
                             env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "parameter_sets[0].effectiveFrom" in refused.stderr
    assert "1 added or replaced" in yibao(database_url, "import-parameters", "--far-ahead", str(bad)).stdout


def test_import_roster_dry_run_then_for_real(rt, database_url, tmp_path):
    from backend.services.roster import roster
    from backend.storage.models import Person
    from tests.helpers import count
    from tests.roster_files import id_number, write

    yibao(database_url, "migrate")
    good = write(tmp_path / "roster.csv", [[id_number(1), "王强", "", "employee", "370102", "active", "12.30"]])
    dry = yibao(database_url, "import-roster", str(good), "--dry-run")
    assert "1 new" in dry.stdout and "dry run: nothing imported" in dry.stdout and count(rt, Person) == 0
    with rt.db.read() as s:  # listed as a dry run, not as cancelled
        assert [r.status for r in roster.imports(s, 0, 10)[0]] == ["dry_run"]
    real = yibao(database_url, "import-roster", str(good))
    assert "done: 1 people added" in real.stdout and "net 12.30 yuan" in real.stdout and count(rt, Person) == 1
    again = yibao(database_url, "import-roster", str(good))
    assert "This file was already imported on" in again.stdout and "by the command line" in again.stdout
    assert "nothing changed" in again.stdout

    bad = write(tmp_path / "bad.csv", [[id_number(2), "李雷", "", "resident", "370102", "gone", ""],
                                       [id_number(4), "李雷", "", "resident", "370102", "@SUM(1)", ""]],
                header=["身份证号", "姓名", "手机号", "险种", "统筹区", "参保状态", "个人账户余额"])
    refused = yibao(database_url, "import-roster", str(bad), "--errors-csv", str(tmp_path / "errors.csv"),
                    check=False)
    assert refused.returncode == 1 and "row 2, 参保状态 “gone”:" in refused.stdout
    lines = (tmp_path / "errors.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Row,Column,Value in the file,Code,Problem" and lines[1].startswith("2,参保状态,gone,STATUS_UNKNOWN,")
    assert lines[2].startswith("3,参保状态,'@SUM(1),STATUS_UNKNOWN,")  # never a formula in a spreadsheet


def test_import_roster_speaks_the_language_of_lang_and_names_a_missing_file(rt, database_url, tmp_path):
    from tests.roster_files import id_number, write

    missing = yibao(database_url, "import-roster", str(tmp_path / "nowhere.csv"), check=False)
    assert missing.returncode == 1 and missing.stderr.strip() == f"No such file: {tmp_path / 'nowhere.csv'}"
    assert "Traceback" not in missing.stderr
    chinese = yibao(database_url, "import-roster", str(tmp_path / "nowhere.csv"), lang="zh_CN.UTF-8", check=False)
    assert chinese.returncode == 1 and chinese.stderr.strip() == f"没有这个文件：{tmp_path / 'nowhere.csv'}"
    folder = yibao(database_url, "import-roster", str(tmp_path), check=False)
    assert folder.returncode == 1 and folder.stderr.startswith(f"Cannot read {tmp_path}: ")
    good = write(tmp_path / "roster.csv", [[id_number(3), "王强", "", "resident", "370102", "active", ""]],
                 header=["身份证号", "姓名", "电话", "险种", "统筹区", "参保状态", "个人账户余额"])
    dry = yibao(database_url, "import-roster", str(good), "--dry-run", lang="zh_CN.UTF-8")
    assert "新增 1 人" in dry.stdout and "试运行：未导入任何数据" in dry.stdout
    assert "“电话”列按“手机号”读取。" in dry.stdout  # a synonym is read, and said
    refused = yibao(database_url, "disable-staff", "--username", "nobody", "--reason", "left", lang="zh_CN.UTF-8",
                    check=False)
    assert refused.returncode == 1 and refused.stderr.startswith("已拒绝 (username)：")


def test_import_catalogue_checks_names_problems_by_row_and_imports_once(rt, database_url, tmp_path):
    from backend.services.catalogue.imports import SAMPLES

    # The fixture loaded the sample already: the same file is the same import.
    assert "already imported" in yibao(database_url, "import-catalogue", str(SAMPLES)).stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes("国家医保编码,名称,目录类别,甲乙类,开始日期\nCLI-1,命令行测试,药品,丁类,2026-01-01\n".encode("gb18030"))
    refused = yibao(database_url, "import-catalogue", str(bad), "--errors-csv", str(tmp_path / "problems.csv"),
                    lang="zh_CN.UTF-8", check=False)
    assert refused.returncode == 1 and "第 2 行，甲乙类 “丁类”" in refused.stdout and "gb18030" in refused.stdout
    assert "CLASS_UNKNOWN" in (tmp_path / "problems.csv").read_text(encoding="utf-8-sig")
    good = tmp_path / "good.csv"
    good.write_text("national_code,name,kind,class,valid_from\nCLI-1,命令行测试,drug,B,2026-01-01\n", encoding="utf-8")
    dry = yibao(database_url, "import-catalogue", str(good), "--dry-run").stdout
    assert "new versions 1," in dry and "dry run: nothing imported" in dry
    assert "new versions 1," in yibao(database_url, "import-catalogue", str(good)).stdout
    assert "already imported" in yibao(database_url, "import-catalogue", str(good)).stdout
