"""What the admin package reads: a page of the audit log."""

from __future__ import annotations

import uuid

from sqlalchemy import func, true
from sqlmodel import Session, select

from backend.storage.models import AuditEvent


def audit_events(s: Session, subject_id: uuid.UUID | None, offset: int, limit: int) -> tuple[list[AuditEvent], int]:
    """The audit log, newest first, optionally about one person."""
    condition = AuditEvent.subject_person_id == subject_id if subject_id else true()
    total = s.exec(select(func.count()).select_from(AuditEvent).where(condition)).one()
    rows = s.exec(select(AuditEvent).where(condition).order_by(AuditEvent.at.desc(), AuditEvent.id)
                  .offset(offset).limit(limit)).all()
    return list(rows), total
