"""Settlement parameters (R7, R12): effective-dated versions per region prefix, in the database.

A version is in force from its `effective_from` until the next version for the same prefix; for a
person the longest prefix of their region with a version in force wins. A settlement records the
version it used (`settlement.parameter_set_id`); refunds and reversals undo the recorded amounts, so
they keep that version. Versions are never changed once a settlement used them: a row is only
replaced (a new id) while unused, so an id always names the same figures.

The seed file format (`backend/data/policy_samples.json`, `yibao import-parameters FILE`) is the
same as a version: money in fen, ratios in basis points.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Date, String, bindparam, delete, exists, func, insert, or_, select
from sqlmodel import Session

from backend.clock import CHINA
from backend.domain import parameters as rules
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.insurance import InsuranceType
from backend.domain.settlement import Parameters
from backend.policy import is_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.platform import audit
from backend.storage.models import Enrolment, ParameterSet, Settlement

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "policy_samples.json"


@dataclass(frozen=True)
class Version:
    id: uuid.UUID
    params: Parameters
    created_by: uuid.UUID | None
    created_at: datetime
    in_use: bool = False


def columns(ps) -> list:
    """A version's columns, each labelled `ps_<name>`, to select beside others (settle's scene)."""
    return [c.label(f"ps_{c.name}") for c in ps.c]


@lru_cache(maxsize=256)
def _ratios(text: str) -> dict[str, Any]:
    return json.loads(text)


def from_row(row, in_use: bool = False) -> Version | None:
    """The version in a row selected with `columns`; None when the row has none (an outer join)."""
    if row.ps_id is None:
        return None
    employee, resident = InsuranceType.EMPLOYEE.value, InsuranceType.RESIDENT.value
    params = Parameters(
        label=row.ps_label, effective_from=row.ps_effective_from, region_prefix=row.ps_region_prefix,
        b_self_pay_first_bp=row.ps_b_self_pay_first_bp, premium_fen=row.ps_premium_fen,
        deductible_fen={employee: row.ps_deductible_employee_fen, resident: row.ps_deductible_resident_fen},
        annual_fund_cap_fen={employee: row.ps_fund_cap_employee_fen, resident: row.ps_fund_cap_resident_fen},
        fund_ratio_bp=_ratios(row.ps_fund_ratio_bp))
    return Version(row.ps_id, params, row.ps_created_by, row.ps_created_at, in_use)


def in_force_id(region_code, on):
    """The id of the version in force on `on` for a region (a column, correlated, or a value): the
    longest matching prefix, then the latest date. One scalar subquery, so settle reads it with the
    rest of its scene."""
    p = ParameterSet.__table__.alias("in_force")
    return (select(p.c.id)
            .where(or_(p.c.region_prefix == func.substr(region_code, 1, 2),
                       p.c.region_prefix == func.substr(region_code, 1, 4),
                       p.c.region_prefix == region_code),
                   p.c.effective_from <= on)
            .order_by(func.length(p.c.region_prefix).desc(), p.c.effective_from.desc())
            .limit(1).scalar_subquery())


def _in_force_statement():
    ps = ParameterSet.__table__
    return select(*columns(ps)).where(ps.c.id == in_force_id(bindparam("region_code", type_=String),
                                                             bindparam("on", type_=Date)))


# Built once: building the statement costs more than running it (bench/parameters_lookup.py).
IN_FORCE = _in_force_statement()


def in_force(s: Session, region_code: str, on: date, *, field: str = "serviceDate") -> Version:
    """The version in force on a date for someone insured in this region; none: POLICY_MISSING."""
    row = s.connection().execute(IN_FORCE, {"region_code": region_code, "on": on}).first()
    if row is None:
        raise DomainError(ErrorCode.POLICY_MISSING, field=field)
    return from_row(row)


def _used(ps):
    st = Settlement.__table__
    return exists().where(st.c.parameter_set_id == ps.c.id)


def versions(s: Session, region_prefix: str | None = None) -> list[Version]:
    """Every version (of one prefix, if given), by prefix then newest first, each saying whether a
    settlement used it."""
    ps = ParameterSet.__table__
    query = select(*columns(ps), _used(ps).label("in_use")).order_by(ps.c.region_prefix, ps.c.effective_from.desc())
    if region_prefix is not None:
        query = query.where(ps.c.region_prefix == region_prefix)
    return [from_row(row, row.in_use) for row in s.connection().execute(query)]


def values_of(params: Parameters) -> dict[str, Any]:
    employee, resident = InsuranceType.EMPLOYEE.value, InsuranceType.RESIDENT.value
    return dict(region_prefix=params.region_prefix, effective_from=params.effective_from, label=params.label,
                b_self_pay_first_bp=params.b_self_pay_first_bp, premium_fen=params.premium_fen,
                deductible_employee_fen=params.deductible_fen[employee],
                deductible_resident_fen=params.deductible_fen[resident],
                fund_cap_employee_fen=params.annual_fund_cap_fen[employee],
                fund_cap_resident_fen=params.annual_fund_cap_fen[resident],
                fund_ratio_bp=json.dumps(params.fund_ratio_bp, sort_keys=True))


def settled_until(s: Session, region_prefix: str) -> date | None:
    """The latest service date settled in a region under rules a new version of this prefix would
    replace: settlements made under a version of this very prefix (their subject may have moved since),
    and settlements of people insured under the prefix made under a version of this prefix or a shorter
    one (a longer prefix's version stays in force for them)."""
    st, en, ps = Settlement.__table__, Enrolment.__table__, ParameterSet.__table__
    insured_here = exists().where(en.c.person_id == st.c.subject_id, en.c.region_code.startswith(region_prefix))
    replaceable = or_(ps.c.id.is_(None), func.length(ps.c.region_prefix) <= len(region_prefix))
    return s.connection().execute(
        select(func.max(st.c.service_date))
        .select_from(st.outerjoin(ps, ps.c.id == st.c.parameter_set_id))
        .where(or_(ps.c.region_prefix == region_prefix, insured_here & replaceable))).scalar()


def _create(s: Session, rt: Runtime, actor: Actor, params: Parameters, *,
            far_ahead_confirmed: bool = False) -> tuple[Version, bool]:
    """Add a version, or replace an unused one of the same prefix and date; an identical one is left
    alone (so importing a file twice changes nothing). Returns the version and whether it changed."""
    ps = ParameterSet.__table__
    values = values_of(params)
    same = s.connection().execute(
        select(*columns(ps), _used(ps).label("in_use"))
        .where(ps.c.region_prefix == params.region_prefix, ps.c.effective_from == params.effective_from)
        .with_for_update(of=ps)).first()
    if same is not None and all(getattr(same, f"ps_{k}") == v for k, v in values.items()):
        return from_row(same, same.in_use), False
    if same is not None and same.in_use:
        raise DomainError(ErrorCode.PARAMETERS_IN_USE, field="effectiveFrom", date=params.effective_from.isoformat())
    now = rt.clock.now()
    rules.check_effective_date(params.effective_from, today=now.astimezone(CHINA).date(),
                               settled_until=settled_until(s, params.region_prefix),
                               far_ahead_confirmed=far_ahead_confirmed)
    if same is not None:
        s.connection().execute(delete(ps).where(ps.c.id == same.ps_id))
    version_id = uuid.uuid4()
    s.connection().execute(insert(ps).values(id=version_id, created_by=actor.principal.id, created_at=now, **values))
    audit.record(s, actor, "parameters.replace" if same is not None else "parameters.create", at=now,
                 parameter_set_id=version_id, replaced=same.ps_id if same is not None else None,
                 region_prefix=params.region_prefix, effective_from=params.effective_from, label=params.label)
    return Version(version_id, params, actor.principal.id, now), True


def _require_admin(actor: Actor) -> None:
    if not is_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)


def create_version(rt: Runtime, actor: Actor, params: Parameters, *, far_ahead_confirmed: bool = False) -> Version:
    """Admins add a version (or correct one no settlement has used yet)."""
    _require_admin(actor)
    params = rules.check(params)
    return rt.db.write(lambda s: _create(s, rt, actor, params, far_ahead_confirmed=far_ahead_confirmed)[0])


def read_seed(path: Path) -> list[Parameters]:
    """The versions in a seed file; a malformed entry is refused by its index and key."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))["parameter_sets"]
    except (OSError, ValueError, KeyError, TypeError):
        raise DomainError(ErrorCode.INVALID_INPUT, field="parameter_sets") from None
    sets = []
    for index, entry in enumerate(entries):
        try:
            start = date.fromisoformat(entry.pop("effective_from"))
            sets.append(Parameters(effective_from=start, **entry))
        except (AttributeError, KeyError, TypeError, ValueError):
            raise DomainError(ErrorCode.INVALID_INPUT, field=f"parameter_sets[{index}]") from None
    return sets


def import_file(rt: Runtime, actor: Actor, path: Path, *, far_ahead_confirmed: bool = False) -> tuple[int, int]:
    """Load a seed file in one transaction, all or nothing; returns (changed, unchanged). A refusal of a
    version's date names its index, as a malformed entry does."""
    _require_admin(actor)
    sets = []
    for index, params in enumerate(read_seed(path)):
        try:
            sets.append(rules.check(params))
        except DomainError as problem:
            raise DomainError(problem.code, field=f"parameter_sets[{index}].{problem.field}", **problem.params) from None

    def work(s: Session) -> tuple[int, int]:
        changed = 0
        for index, params in enumerate(sets):
            try:
                changed += _create(s, rt, actor, params, far_ahead_confirmed=far_ahead_confirmed)[1]
            except DomainError as problem:
                raise DomainError(problem.code, field=f"parameter_sets[{index}].{problem.field}",
                                  **problem.params) from None
        return changed, len(sets) - changed

    return rt.db.write(work)
