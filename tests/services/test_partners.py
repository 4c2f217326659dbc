"""Partner institutions and their keys: register, issue, rotate (with its grace), revoke, disable, enable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.principals import Actor, Channel
from backend.services.admin import partners
from backend.services.people.accounts import api_key_id, authenticate_api_key
from backend.services.platform import sessions
from backend.storage.models import ApiKey, Institution
from tests.helpers import audit_events, count, staff

REGION = "370102"


@pytest.fixture
def admin(rt) -> Actor:
    return Actor(staff(rt, "admin"), Channel.CONSOLE)


def _register(rt, admin, **overrides):
    values = dict(name="历下区人民医院", kind="hospital", level=2, region_code=REGION, reason="signed contract 2026-17")
    return partners.register_partner(rt, admin, **{**values, **overrides})


def _refused(code: ErrorCode, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    assert refused.value.code is code, refused.value
    return refused.value


def test_register_shows_the_key_once_and_audits_who_and_why(rt, admin):
    inst, issued = _register(rt, admin)
    assert authenticate_api_key(rt, issued.plaintext).id == inst.id
    with rt.db.read() as s:
        [stored] = s.exec(ApiKey.__table__.select()).all()
    assert issued.plaintext.startswith(f"yb_{stored.prefix}_") and issued.plaintext not in repr(stored)
    [event] = audit_events(rt, "partner.create")
    assert event.actor_id == str(admin.principal.id) and event.channel == "console"
    assert '"reason": "signed contract 2026-17"' in event.detail


@pytest.mark.parametrize("overrides, code, field", [
    ({"reason": "  "}, ErrorCode.REASON_REQUIRED, "reason"),
    ({"name": ""}, ErrorCode.NAME_REQUIRED, "name"),
    ({"kind": "clinic"}, ErrorCode.INVALID_INPUT, "kind"),
    ({"kind": "pharmacy", "level": 2}, ErrorCode.LEVEL_INVALID, "level"),
    ({"level": 4}, ErrorCode.LEVEL_INVALID, "level"),
    ({"region_code": "37010"}, ErrorCode.REGION_CODE_INVALID, "regionCode"),
    ({"region_code": "379999"}, ErrorCode.REGION_UNKNOWN, "regionCode"),  # not a division of Shandong
    ({"region_code": "371202"}, ErrorCode.REGION_UNKNOWN, "regionCode"),  # Laiwu's old code, gone since 2019
])
def test_bad_registration_is_refused_and_writes_nothing(rt, admin, overrides, code, field):
    assert _refused(code, _register, rt, admin, **overrides).field == field
    assert count(rt, Institution) == 0 and audit_events(rt, "partner.create") == []


def test_only_admins_act_on_partners(rt, admin):
    inst, issued = _register(rt, admin)
    clerk = Actor(staff(rt, "clerk"), Channel.CONSOLE)
    _refused(ErrorCode.NOT_ALLOWED, _register, rt, clerk)
    _refused(ErrorCode.NOT_ALLOWED, partners.issue_key, rt, clerk, inst.id, "why")
    _refused(ErrorCode.NOT_ALLOWED, partners.revoke_key, rt, clerk, issued.key.id, "why")
    _refused(ErrorCode.NOT_ALLOWED, partners.disable_partner, rt, clerk, inst.id, "why")
    assert authenticate_api_key(rt, issued.plaintext) is not None


def test_revoked_key_stops_on_the_next_request_and_its_sandbox_session_ends(rt, admin):
    inst, first = _register(rt, admin)
    second = partners.issue_key(rt, admin, inst.id, "second till")
    principal = authenticate_api_key(rt, first.plaintext)
    session = sessions.start(rt, principal, ttl_seconds=600, api_key_id=api_key_id(rt, first.plaintext))
    other = sessions.start(rt, principal, ttl_seconds=600, api_key_id=api_key_id(rt, second.plaintext))
    partners.revoke_key(rt, admin, first.key.prefix, "leaked in a screenshot")
    assert authenticate_api_key(rt, first.plaintext) is None
    assert sessions.resolve(rt, session) is None
    assert authenticate_api_key(rt, second.plaintext) is not None and sessions.resolve(rt, other) is not None
    _refused(ErrorCode.KEY_NOT_LIVE, partners.revoke_key, rt, admin, first.key.id, "again")
    _refused(ErrorCode.NOT_FOUND, partners.revoke_key, rt, admin, "nosuchprefix", "why")
    [event] = audit_events(rt, "partner.key_revoke")
    assert '"reason": "leaked in a screenshot"' in event.detail and first.key.prefix in event.detail


def test_rotated_key_works_through_the_grace_period_then_stops(rt, admin, clock):
    inst, old = _register(rt, admin)
    session = sessions.start(rt, authenticate_api_key(rt, old.plaintext), ttl_seconds=3 * 86400,
                             api_key_id=old.key.id)
    rotation = partners.rotate_key(rt, admin, old.key.id, "yearly rotation")
    assert rotation.old.expires_at == clock.now() + timedelta(hours=24)  # API_KEY_ROTATION_GRACE_HOURS default
    assert authenticate_api_key(rt, rotation.new.plaintext).id == inst.id
    clock.advance(hours=23, minutes=59)
    assert authenticate_api_key(rt, old.plaintext) is not None and sessions.resolve(rt, session) is not None
    _refused(ErrorCode.KEY_NOT_LIVE, partners.rotate_key, rt, admin, old.key.id, "twice")
    clock.advance(minutes=1)
    assert authenticate_api_key(rt, old.plaintext) is None and sessions.resolve(rt, session) is None
    assert authenticate_api_key(rt, rotation.new.plaintext) is not None
    [event] = audit_events(rt, "partner.key_rotate")
    assert rotation.new.key.prefix in event.detail and '"reason": "yearly rotation"' in event.detail


def test_rotation_with_no_grace_stops_the_old_key_at_once(rt, admin):
    rt.settings.api_key_rotation_grace_hours = 0
    _, old = _register(rt, admin)
    rotation = partners.rotate_key(rt, admin, old.key.prefix, "suspected leak")
    assert rotation.old.revoked_at is not None
    assert authenticate_api_key(rt, old.plaintext) is None
    assert authenticate_api_key(rt, rotation.new.plaintext) is not None


def test_revoking_a_key_in_its_grace_period_cuts_the_grace_short(rt, admin):
    _, old = _register(rt, admin)
    partners.rotate_key(rt, admin, old.key.id, "yearly rotation")
    partners.revoke_key(rt, admin, old.key.id, "the partner has deployed the new key")
    assert authenticate_api_key(rt, old.plaintext) is None


def test_disabled_partner_is_refused_everywhere_until_enabled(rt, admin):
    inst, issued = _register(rt, admin)
    principal = authenticate_api_key(rt, issued.plaintext)
    session = sessions.start(rt, principal, ttl_seconds=600, api_key_id=issued.key.id)
    partners.disable_partner(rt, admin, inst.id, "contract suspended")
    assert authenticate_api_key(rt, issued.plaintext) is None and sessions.resolve(rt, session) is None
    _refused(ErrorCode.PARTNER_DISABLED, partners.issue_key, rt, admin, inst.id, "why")
    _refused(ErrorCode.PARTNER_DISABLED, partners.rotate_key, rt, admin, issued.key.id, "why")
    _refused(ErrorCode.NO_CHANGE, partners.disable_partner, rt, admin, inst.id, "again")
    partners.enable_partner(rt, admin, inst.id, "contract renewed")
    assert authenticate_api_key(rt, issued.plaintext).id == inst.id
    _refused(ErrorCode.NO_CHANGE, partners.enable_partner, rt, admin, inst.id, "again")
    assert ['"reason": "contract suspended"' in e.detail for e in audit_events(rt, "partner.disable")] == [True]
    assert len(audit_events(rt, "partner.enable")) == 1


def test_list_partners_shows_every_key_newest_first(rt, admin, clock):
    inst, first = _register(rt, admin)
    clock.advance(minutes=1)
    second = partners.issue_key(rt, admin, inst.id, "second till")
    [record], total = partners.list_partners(rt)
    assert record.institution.id == inst.id and total == 1
    assert [k.prefix for k in record.keys] == [second.key.prefix, first.key.prefix]


def test_list_partners_pages_by_name_with_the_total(rt, admin):
    for name in ("丙医院", "甲药房", "乙诊所"):
        _register(rt, admin, name=name)
    everyone, total = partners.list_partners(rt)
    page, same_total = partners.list_partners(rt, offset=1, limit=1)
    assert total == same_total == 3 and [r.institution.name for r in page] == [everyone[1].institution.name]
