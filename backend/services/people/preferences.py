"""A person's own display preferences: elderly mode (适老化), kept with the person."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from backend.domain.errors import DomainError, ErrorCode
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.platform import audit
from backend.storage.models import Person


def set_elderly_mode(rt: Runtime, actor: Actor, on: bool) -> bool:
    """A household member turns their own elderly mode on or off; the answer is the mode now in force."""
    principal = actor.principal
    if not principal.is_household or principal.id is None:
        raise DomainError(ErrorCode.NOT_ALLOWED)
    now = rt.clock.now()

    def work(s: Session) -> bool:
        s.exec(update(Person).where(Person.id == principal.id).values(elderly_mode=on))
        audit.record(s, actor, "preferences.elderly_mode", at=now, subject_person_id=principal.id, on=on)
        return on

    return rt.db.write(work)
