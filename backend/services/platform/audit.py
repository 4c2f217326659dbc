"""Audit events (R15)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from backend.principals import Actor
from backend.storage.models import AuditEvent


def event(actor: Actor, action: str, *, at: datetime, subject_person_id: uuid.UUID | None = None,
          **detail: Any) -> dict[str, Any]:
    """One audit row, to write with `write` (a use case that leaves several writes them in one statement)."""
    return dict(
        id=uuid.uuid4(),
        at=at,
        actor_kind=actor.principal.kind.value,
        actor_id=str(actor.principal.id) if actor.principal.id else None,
        acting_as=actor.acting_as,
        action=action,
        subject_person_id=subject_person_id,
        channel=actor.channel.value,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
    )


INSERT_EVENTS = insert(AuditEvent.__table__)  # built once: nearly every write runs it


def write(session: Session, events: list[dict[str, Any]]) -> None:
    # Plain INSERTs: audit rows are never read back in the transaction that writes them.
    session.connection().execute(INSERT_EVENTS, events)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    subject_person_id: uuid.UUID | None = None,
    **detail: Any,
) -> None:
    write(session, [event(actor, action, at=at, subject_person_id=subject_person_id, **detail)])
