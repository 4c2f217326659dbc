"""`yibao` commands for partners and staff, against both databases: the same services as the graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from backend.services.people.accounts import authenticate_api_key, authenticate_password
from tests.helpers import audit_events, staff
from tests.test_cli import yibao


def _last_line(result: subprocess.CompletedProcess) -> str:
    return result.stdout.strip().splitlines()[-1]


def _refused(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "LANG": "C.UTF-8"}  # the English lines these tests read
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    result = subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0, result.stdout
    return result


def test_partner_lines_follow_lang(rt, database_url):
    zh = yibao(database_url, "create-partner", "--name", "新药房", "--kind", "pharmacy", "--region", "370103",
               lang="zh_CN.UTF-8")
    assert zh.stdout.startswith("已创建合作机构 新药房（pharmacy）；其 API 密钥只显示这一次：\n")
    [listed] = json.loads(yibao(database_url, "list-partners", "--json", lang="zh_CN.UTF-8").stdout)  # unchanged
    en = yibao(database_url, "disable-partner", "--partner", listed["id"], "--reason", "audit", lang="en_US.UTF-8")
    assert en.stdout == "partner 新药房 disabled; none of its keys or sessions work until it is enabled\n"
    assert "已停用" in yibao(database_url, "list-partners", lang="zh_CN.UTF-8").stdout


def test_partner_keys_from_the_command_line(rt, database_url):
    first = _last_line(yibao(database_url, "create-partner", "--name", "新药房", "--kind", "pharmacy",
                             "--region", "370103"))
    [listed] = json.loads(yibao(database_url, "list-partners", "--json").stdout)
    partner_id, [key] = listed["id"], listed["keys"]
    assert first.startswith(f"yb_{key['prefix']}_") and key["live"] and listed["disabled_at"] is None

    second = _last_line(yibao(database_url, "issue-key", "--partner", partner_id, "--reason", "second till"))
    rotated = yibao(database_url, "rotate-key", "--key", first, "--reason", "yearly rotation")
    assert "keeps working until" in rotated.stdout
    third = _last_line(rotated)
    assert authenticate_api_key(rt, first) is not None  # in its grace period
    yibao(database_url, "revoke-key", "--key", key["prefix"], "--reason", "deployed the new key")
    assert authenticate_api_key(rt, first) is None
    assert authenticate_api_key(rt, second) is not None and authenticate_api_key(rt, third) is not None
    again = _refused(database_url, "revoke-key", "--key", key["prefix"], "--reason", "again")
    assert "refused (keyId): This API key is revoked, expired or already rotated." in again.stderr

    yibao(database_url, "disable-partner", "--partner", partner_id, "--reason", "contract suspended")
    assert authenticate_api_key(rt, second) is None and authenticate_api_key(rt, third) is None
    assert "DISABLED" in yibao(database_url, "list-partners").stdout
    yibao(database_url, "enable-partner", "--partner", partner_id, "--reason", "contract renewed")
    assert authenticate_api_key(rt, third) is not None
    assert [e.channel for e in audit_events(rt) if e.action.startswith("partner.")] == ["cli"] * 6
    assert "contract suspended" in audit_events(rt, "partner.disable")[0].detail


def test_staff_from_the_command_line(rt, database_url):
    staff(rt, "admin", username="admin01")
    staff(rt, "clerk", username="clerk07")
    yibao(database_url, "set-staff-role", "--username", "clerk07", "--role", "auditor", "--reason", "moved to audit")
    assert authenticate_password(rt, "clerk07", "pw").role == "auditor"
    yibao(database_url, "disable-staff", "--username", "clerk07", "--reason", "left the office")
    assert authenticate_password(rt, "clerk07", "pw") is None
    yibao(database_url, "enable-staff", "--username", "clerk07", "--reason", "came back")
    assert authenticate_password(rt, "clerk07", "pw") is not None
    last = _refused(database_url, "disable-staff", "--username", "admin01", "--reason", "leaving")
    assert "refused (staffId): At least one active administrator must remain." in last.stderr
    no_reason = _refused(database_url, "enable-staff", "--username", "clerk07")
    assert "--reason" in no_reason.stderr
    # (the fixture's own CLI events, such as loading the sample parameters, are not this test's)
    assert [e.action for e in audit_events(rt)
            if e.channel == "cli" and e.action.startswith("staff.") and e.action != "staff.create"] == [
        "staff.role_set", "staff.disable", "staff.enable"]
