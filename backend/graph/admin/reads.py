"""What the admin package reads: a page of the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, true
from sqlmodel import Session, select

from backend.graph.core.pagination import newest_first_after
from backend.storage.models import AuditEvent


def audit_events(s: Session, subject_id: uuid.UUID | None, after: tuple[datetime, uuid.UUID] | None,
                 limit: int) -> tuple[list[AuditEvent], int, bool]:
    """The audit log, newest first (keyset: after the (at, id) of the last event shown), optionally about one
    person; how many events match, and whether more follow (it reads one more than it shows)."""
    condition = AuditEvent.subject_person_id == subject_id if subject_id else true()
    total = s.exec(select(func.count()).select_from(AuditEvent).where(condition)).one()
    keyed = newest_first_after(AuditEvent.at, AuditEvent.id, after)
    rows = s.exec(select(AuditEvent).where(condition, true() if keyed is None else keyed)
                  .order_by(AuditEvent.at.desc(), AuditEvent.id).limit(limit + 1)).all()
    return list(rows[:limit]), total, len(rows) > limit
