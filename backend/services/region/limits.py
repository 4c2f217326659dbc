"""Region policy limits (R4): caps staff may set; no row means no cap."""

from __future__ import annotations

from enum import StrEnum

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
    if value is not None and not 1 <= value <= 99:
        raise DomainError(ErrorCode.LIMIT_INVALID, field="value")
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
