"""The two use cases of reconciliation (R17), with plain inputs, for the graph, the pages, the CLI and the
national gateway (3201, 3202) alike.

A partner reconciles only its own settlements; staff (any role) may reconcile any institution's.
Both read only: nothing is written, so neither is audited or retried.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import lru_cache

from backend.clock import CHINA
from backend.domain.codes import mask_name
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.insurance import CLEARING_TYPE_CODE, INSUTYPE_CODE
from backend.domain.reconciliation import (
    DetailResult,
    DetailRow,
    Figures,
    TotalsResult,
    check_range,
    compare_totals,
    day_after,
    duplicates,
    insurance_type_of,
    net_of_refunds,
    outcome_of,
    visit_type_of,
)
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.reconciliation import records
from backend.services.reconciliation.stage import drop, stage
from backend.storage.models import Institution


class DetailFileInvalid(DomainError):
    """A detail file (or list of rows) that cannot be reconciled: every problem by row and column (the
    first `file_problems`; `count` of all). Nothing was read from the database."""

    def __init__(self, problems: list, count: int | None = None) -> None:
        first = problems[0]
        super().__init__(ErrorCode.RECONCILE_FILE_INVALID, field="file", count=count or len(problems),
                         row=first.row, column=first.column or "-")
        self.file_problems = problems


def _china_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA)


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) of the China-time days first..last."""
    return _china_day_start(first), _china_day_start(day_after(last))


def _today(rt: Runtime) -> date:
    return rt.clock.now().astimezone(CHINA).date()


def _may_reconcile(actor: Actor, institution_id: uuid.UUID) -> None:
    """A partner for itself, staff for any institution."""
    principal = actor.principal
    if principal.is_partner:
        if principal.id != institution_id:
            raise DomainError(ErrorCode.NOT_ALLOWED, field="institutionId")
    elif not principal.is_staff:
        raise DomainError(ErrorCode.NOT_ALLOWED)


def _allowed(rt: Runtime, actor: Actor, institution_id: uuid.UUID) -> None:
    """`_may_reconcile`, and an unknown institution is NOT_FOUND."""
    _may_reconcile(actor, institution_id)
    with rt.db.read() as s:
        if s.get(Institution, institution_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="institutionId")


def reconcile_totals(rt: Runtime, actor: Actor, institution_id: uuid.UUID, first: date, last: date,
                     insurance_type: str, clearing_type: str, theirs: Figures, include_refunds: bool) -> TotalsResult:
    """3201: the partner's totals for one insurance type (310 / 390) and clearing type (11 / 21 / 41) over the
    China-time days first..last, against the service's. With `include_refunds` the service's figures are its
    settlements less what refunds and reversals made in those days gave back (each one a record of its
    own); without, the settlements as they were settled."""
    _may_reconcile(actor, institution_id)
    kind, visit = insurance_type_of(insurance_type), visit_type_of(clearing_type)
    if theirs.count < 0:
        raise DomainError(ErrorCode.INVALID_INPUT, field="count")
    check_range(first, last, _today(rt))
    _allowed(rt, actor, institution_id)
    start, end = _bounds(first, last)
    with rt.db.read() as s:
        conn = s.connection()
        ours = records.settled(conn, institution_id, start, end, kind.value, visit)
        if include_refunds:
            ours = net_of_refunds(ours, records.refunded(conn, institution_id, start, end, kind.value, visit))
    return compare_totals(ours, theirs)


def totals_keys() -> list[tuple[str, str]]:
    """Every (insurance type, clearing type) a partner reconciles separately, as the national codes."""
    return [(i, c) for i in INSUTYPE_CODE.values() for c in CLEARING_TYPE_CODE.values()]


def reconcile_details(rt: Runtime, actor: Actor, institution_id: uuid.UUID, first: date, last: date,
                      rows: Sequence[DetailRow]) -> list[DetailResult]:
    """3202: one result per settlement, the institution's made in first..last and the partner's rows: 0
    balanced, 1 only the service has it, 2 only the partner has it (in those days; `settled_at_day` says
    when the institution made it if on another day), 3 both, with amounts or refunded flag different
    (`differences` names them). The service's settlements come first in the order made, then the
    partner's rows in file order."""
    _may_reconcile(actor, institution_id)
    check_range(first, last, _today(rt))
    twice = duplicates(list(rows))
    if twice:
        raise DetailFileInvalid(twice)
    _allowed(rt, actor, institution_id)
    start, end = _bounds(first, last)
    with rt.db.read() as s:
        conn = s.connection()
        try:
            table = stage(conn, rows)
            compared = records.compare(conn, table, institution_id, start, end)
        finally:
            drop(conn)
    return [_result(c) for c in compared]


def _result(c: records.Compared) -> DetailResult:
    outcome, differ = outcome_of(c.ours, c.theirs)
    day = None
    if c.elsewhere_at is not None:
        day = c.elsewhere_at.astimezone(CHINA).date()
    return DetailResult(c.settlement_id, outcome, c.ours, c.theirs, differ, c.visit_id,
                        _masked(c.person_name) if c.person_name else c.person, day, c.row)


_masked = lru_cache(maxsize=4096)(mask_name)  # a day's subjects repeat
