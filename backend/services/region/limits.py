"""Region policy limits: caps staff may set (R4), and the settlement policy checks (issue 23): how many
days after its service date a bill is still settled, per visit type, and which visit types each kind of
institution may settle. No row means no limit; the settlement checks' defaults are rows migration 0014
wrote, which staff change or clear like any other."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String, bindparam, func, literal
from sqlmodel import Session, select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.regions import validate_region_prefix
from backend.principals import Actor, StaffRole
from backend.runtime import Runtime
from backend.services.platform import audit
from backend.storage.models import PolicyLimit


class LimitName(StrEnum):
    BINDINGS_PER_HOLDER = "bindings_per_holder"
    GRANTEES_PER_GRANTOR = "grantees_per_grantor"
    # Days after the service date within which a bill is settled, by visit type (institution's region).
    SERVICE_DAYS_OUTPATIENT = "service_days_outpatient"
    SERVICE_DAYS_INPATIENT = "service_days_inpatient"
    SERVICE_DAYS_PHARMACY = "service_days_pharmacy"
    # Whether an institution of a kind may settle a visit type: 0 no, 1 yes (no row: yes).
    VISIT_HOSPITAL_OUTPATIENT = "visit_hospital_outpatient"
    VISIT_HOSPITAL_INPATIENT = "visit_hospital_inpatient"
    VISIT_HOSPITAL_PHARMACY = "visit_hospital_pharmacy"
    VISIT_PHARMACY_OUTPATIENT = "visit_pharmacy_outpatient"
    VISIT_PHARMACY_INPATIENT = "visit_pharmacy_inpatient"
    VISIT_PHARMACY_PHARMACY = "visit_pharmacy_pharmacy"


def value_range(name: LimitName) -> tuple[int, int]:
    """The values a limit may take."""
    if name.value.startswith("service_days_"):
        return 1, 3660
    if name.value.startswith("visit_"):
        return 0, 1
    return 1, 99


def service_days_name(visit_type: str) -> str:
    return f"service_days_{visit_type}"


def in_force_value(name, region_code):
    """A scalar subquery: the value of limit `name` for `region_code` (both SQL expressions), the longest
    prefix winning; NULL when no row applies. Settlement folds it into the statement it reads anyway."""
    return (select(PolicyLimit.value)
            .where(PolicyLimit.name == name, region_code.startswith(PolicyLimit.region_prefix, autoescape=False))
            .order_by(func.length(PolicyLimit.region_prefix).desc()).limit(1)
            .scalar_subquery())


def visit_name(kind, visit_type):
    """The SQL expression naming the `visit_<kind>_<visit>` limit of an institution kind column."""
    return literal("visit_", String) + kind + literal("_", String) + bindparam(visit_type, type_=String)


def _prefixes(region_code: str) -> list[str]:
    return ["", region_code[:2], region_code[:4], region_code]


def limit_for(s: Session, name: LimitName, region_code: str) -> int | None:
    """The cap for someone insured in this region: the most specific prefix wins."""
    rows = s.exec(select(PolicyLimit).where(PolicyLimit.name == name.value,
                                            PolicyLimit.region_prefix.in_(_prefixes(region_code)))).all()
    best = max(rows, key=lambda r: len(r.region_prefix), default=None)
    return best.value if best else None


def all_limits(s: Session) -> list[PolicyLimit]:
    """Every cap set, by name and prefix."""
    return list(s.exec(select(PolicyLimit).order_by(PolicyLimit.name, PolicyLimit.region_prefix)).all())


def set_limit(rt: Runtime, actor: Actor, name: str, region_prefix: str, value: int | None) -> PolicyLimit | None:
    """Admins set or clear (value None) a cap for a region prefix ("" = everywhere, "3701" = Jinan)."""
    if not (actor.principal.is_staff and actor.principal.role == StaffRole.ADMIN):
        raise DomainError(ErrorCode.NOT_ALLOWED)
    try:
        limit_name = LimitName(name)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, field="name") from None
    validate_region_prefix(region_prefix, everywhere=True)
    low, high = value_range(limit_name)
    if value is not None and not low <= value <= high:
        raise DomainError(ErrorCode.LIMIT_INVALID, field="value", min=low, max=high)
    now = rt.clock.now()

    def work(s: Session) -> PolicyLimit | None:
        row = s.get(PolicyLimit, (limit_name.value, region_prefix))
        old = row.value if row else None
        if value is None:
            if row is not None:
                s.delete(row)
            row = None
        else:
            row = row or PolicyLimit(name=limit_name.value, region_prefix=region_prefix, value=value, set_at=now)
            row.sqlmodel_update(dict(value=value, set_by=actor.principal.id, set_at=now))
            s.add(row)
        audit.record(s, actor, "policy.limit_set", at=now, name=limit_name.value, region_prefix=region_prefix,
                     old=old, new=value)
        return row

    return rt.db.write(work)
