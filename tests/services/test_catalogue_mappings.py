"""Institutions' item mappings (目录对照, issue 23 §2) on SQLite and PostgreSQL: a partner submits (one by one
or as a file), a clerk approves or rejects with a reason, the partner reads its own; every change audited."""

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.principals import Actor, Channel
from backend.services.catalogue import mappings
from backend.storage.models import ItemMapping
from tests.helpers import audit_events, count, partner, staff

AMOX = "XJ01CAA037A0020107919"  # the sample catalogue's amoxicillin capsules
IBU = "XM01AEA629A0040134623"  # ... and ibuprofen suspension


@pytest.fixture
def pharmacy(rt):
    return Actor(partner(rt)[0], Channel.GRAPHQL)


@pytest.fixture
def clerk(rt):
    return Actor(staff(rt, "clerk"), Channel.CONSOLE)


def test_submit_approve_reject_and_resubmit(rt, pharmacy, clerk):
    a, b = mappings.submit(rt, pharmacy, [mappings.Submission(" 86900001 ", AMOX, "阿莫西林"),
                                          mappings.Submission("86900002", IBU)])
    assert (a.item_code, a.status, a.item_name, a.submitted_via) == ("86900001", "pending", "阿莫西林", "graphql")
    approved = mappings.decide(rt, clerk, a.id, approve=True)
    assert approved.status == "approved" and approved.decided_by == clerk.principal.id and approved.reason is None
    with pytest.raises(DomainError) as refused:
        mappings.decide(rt, clerk, b.id, approve=False, reason=" ")
    assert refused.value.code is ErrorCode.REASON_REQUIRED and refused.value.field == "reason"
    rejected = mappings.decide(rt, clerk, b.id, approve=False, reason="规格不符")
    assert (rejected.status, rejected.reason) == ("rejected", "规格不符")
    with pytest.raises(DomainError) as refused:
        mappings.decide(rt, clerk, b.id, approve=True)
    assert refused.value.code is ErrorCode.MAPPING_NOT_PENDING

    # The same mapping again changes nothing; another national code is a new pending one; the approved one
    # submitted again withdraws it.
    same, = mappings.submit(rt, pharmacy, [mappings.Submission("86900001", AMOX)])
    assert same.id == a.id and same.status == "approved"
    first, = mappings.submit(rt, pharmacy, [mappings.Submission("86900001", IBU)])
    assert first.status == "pending"
    second, = mappings.submit(rt, pharmacy, [mappings.Submission("86900001", AMOX)])
    assert second.id == a.id and mappings.get(rt, first.id).status == "superseded"

    assert [e.action for e in audit_events(rt) if e.action.startswith("catalogue.mapping")] == [
        "catalogue.mapping_submit", "catalogue.mapping_submit", "catalogue.mapping_approve",
        "catalogue.mapping_reject", "catalogue.mapping_submit", "catalogue.mapping_withdraw"]


def test_a_newer_pending_mapping_replaces_the_older_one(rt, pharmacy, clerk):
    old, = mappings.submit(rt, pharmacy, [mappings.Submission("P-1", AMOX)])
    new, = mappings.submit(rt, pharmacy, [mappings.Submission("P-1", IBU)])
    assert mappings.get(rt, old.id).status == "superseded" and new.status == "pending"
    mappings.decide(rt, clerk, new.id, approve=True)
    newer, = mappings.submit(rt, pharmacy, [mappings.Submission("P-1", AMOX)])
    mappings.decide(rt, clerk, newer.id, approve=True, reason="厂家更正")
    assert mappings.get(rt, new.id).status == "superseded" and mappings.get(rt, newer.id).reason == "厂家更正"


def test_refusals_write_nothing(rt, pharmacy, clerk):
    cases = [
        (pharmacy, [mappings.Submission("P-1", "NOT-IN-CATALOGUE")], ErrorCode.CATALOGUE_CODE_UNKNOWN, "nationalCode"),
        (pharmacy, [mappings.Submission("", AMOX)], ErrorCode.ITEM_CODE_INVALID, "itemCode"),
        (pharmacy, [mappings.Submission("x" * 41, AMOX)], ErrorCode.ITEM_CODE_INVALID, "itemCode"),
        (pharmacy, [mappings.Submission("P-1", AMOX), mappings.Submission("P-1", IBU)], ErrorCode.INVALID_INPUT,
         "itemCode"),
        (pharmacy, [], ErrorCode.INVALID_INPUT, "mappings"),
        (clerk, [mappings.Submission("P-1", AMOX)], ErrorCode.NOT_ALLOWED, None),
    ]
    for who, items, code, field in cases:
        with pytest.raises(DomainError) as refused:
            mappings.submit(rt, who, items)
        assert (refused.value.code, refused.value.field) == (code, field)
    row, = mappings.submit(rt, pharmacy, [mappings.Submission("P-1", AMOX)])
    with pytest.raises(DomainError) as refused:
        mappings.decide(rt, Actor(staff(rt, "auditor"), Channel.CONSOLE), row.id, approve=True)
    assert refused.value.code is ErrorCode.NOT_ALLOWED
    assert count(rt, ItemMapping) == 1


def test_a_partner_sees_only_its_own(rt, pharmacy):
    other = Actor(partner(rt)[0], Channel.GRAPHQL)
    mappings.submit(rt, pharmacy, [mappings.Submission("P-1", AMOX, "阿莫西林")])
    mappings.submit(rt, other, [mappings.Submission("O-1", IBU)])
    with rt.db.read() as s:
        mine, total = mappings.mappings(s, institution_id=pharmacy.principal.id)
        found, _ = mappings.mappings(s, search="阿莫")
        by_code, _ = mappings.mappings(s, search="O-")
    assert total == 1 and [m.item_code for m in mine] == ["P-1"]
    assert [m.item_code for m in found] == ["P-1"] and [m.item_code for m in by_code] == ["O-1"]


def test_a_mapping_file_is_all_or_nothing_with_problems_by_row(rt, pharmacy, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"机构项目编码,国家医保编码,机构项目名称\nP-1,{AMOX},阿莫西林\nP-2,NOPE,未知\nP-1,{IBU},重复\n,{IBU},\n",
                   encoding="utf-8")
    rows, problems = mappings.submit_file(rt, pharmacy, bad)
    assert rows == [] and count(rt, ItemMapping) == 0
    assert [(p.row, p.column, p.code) for p in problems] == [
        (3, "national_code", "CODE_UNKNOWN"), (4, "item_code", "DUPLICATE_ITEM"), (5, "item_code", "REQUIRED")]
    good = tmp_path / "good.csv"
    good.write_bytes(f"item_code,national_code,item_name\nP-1,{AMOX},阿莫西林\nP-2,{IBU},布洛芬\n".encode("gb18030"))
    rows, problems = mappings.submit_file(rt, pharmacy, good)
    assert problems == [] and [(r.item_code, r.status) for r in rows] == [("P-1", "pending"), ("P-2", "pending")]
