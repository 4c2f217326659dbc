"""The gateway's message log: every request and its reply, and msgid idempotency.

The first reply to a partner's msgid is `kept` (a partial unique index on partner and msgid where kept):
a retry with the same body gets that reply again and writes nothing; a different body is refused by the
gateway. What a message writes of the gateway's own (a sign-in, a visit, a fee batch) is written in the
same transaction that claims its msgid, so a concurrent duplicate waits on the claim and then finds the
first reply. Settlements keep their own idempotency (the settle service's key), so a duplicate racing
past the log still settles once; its log row then loses the claim and the first reply is answered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Uuid, and_, bindparam, delete, func, or_, text, update
from sqlmodel import Session, select

from backend.domain.errors import DomainError, ErrorCode
from backend.policy import is_auditor
from backend.principals import Actor
from backend.runtime import Runtime
from backend.storage.db import dialect_insert, per_dialect
from backend.storage.models import HsaMessage, Institution


@dataclass(frozen=True)
class Received:
    """A request as logged: ID numbers and names already masked in `masked`."""

    partner_id: uuid.UUID | None
    msgid: str
    infno: str
    opter: str
    digest: str  # SHA-256 of the request body as sent
    masked: str


@dataclass(frozen=True)
class Logged:
    """A reply as sent (and, when kept, sent again to a retry)."""

    infcode: int
    err_msg: str | None
    reply: str
    settlement_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Kept:
    """The first reply to a msgid, and the digest of the request it answered."""

    digest: str
    reply: str


def kept(rt: Runtime, partner_id: uuid.UUID, msgid: str) -> Kept | None:
    with rt.db.read() as s:
        row = s.exec(select(HsaMessage.request_sha256, HsaMessage.reply)
                     .where(HsaMessage.partner_id == partner_id, HsaMessage.msgid == msgid, HsaMessage.kept)).first()
    return Kept(row[0], row[1]) if row else None


@dataclass(frozen=True)
class Succeeded:
    infno: str
    reply: str
    settlement_id: uuid.UUID | None


def succeeded(rt: Runtime, partner_id: uuid.UUID, msgid: str) -> Succeeded | None:
    """The partner's earlier message by its msgid, if it succeeded (for 2601)."""
    with rt.db.read() as s:
        row = s.exec(select(HsaMessage.infno, HsaMessage.reply, HsaMessage.settlement_id)
                     .where(HsaMessage.partner_id == partner_id, HsaMessage.msgid == msgid, HsaMessage.kept,
                            HsaMessage.infcode == 0)).first()
    return Succeeded(*row) if row else None


def arrival(rt: Runtime, partner_id: uuid.UUID, msgid: str) -> tuple[str | None, Kept | None]:
    """What the gateway reads first, in one statement: the partner's institution code and the msgid's kept
    reply, if any."""
    with rt.db.read() as s:
        row = s.connection().execute(ARRIVAL, {"partner_id": partner_id, "msgid": msgid}).first()
    if row is None:
        return None, None
    return row.institution_code, (Kept(row.request_sha256, row.reply) if row.request_sha256 else None)


def _row(received: Received, logged: Logged, keep: bool, at: datetime) -> dict:
    return dict(id=uuid.uuid4(), partner_id=received.partner_id, msgid=received.msgid[:30], infno=received.infno[:6],
                opter=received.opter[:30], kept=keep, infcode=logged.infcode,
                err_msg=(logged.err_msg or None) and logged.err_msg[:200], request_sha256=received.digest,
                request=received.masked, reply=logged.reply, settlement_id=logged.settlement_id, created_at=at)


# The statements of every message are built once (`per_dialect`, or here): building one cost more than running it.
def _claim_statement(dialect: str):
    table = HsaMessage.__table__
    return (dialect_insert(dialect)(table)
            .on_conflict_do_nothing(index_elements=["partner_id", "msgid"], index_where=text("kept"))
            .returning(table.c.id))


def _arrival_statement():
    i, m = Institution.__table__, HsaMessage.__table__
    return (select(i.c.institution_code, m.c.request_sha256, m.c.reply)
            .select_from(i.outerjoin(m, and_(m.c.partner_id == i.c.id, m.c.msgid == bindparam("msgid"), m.c.kept)))
            .where(i.c.id == bindparam("partner_id", type_=Uuid)))


CLAIM = per_dialect(_claim_statement)
ARRIVAL = _arrival_statement()
INSERT = HsaMessage.__table__.insert()


def _claim(s: Session, row: dict) -> bool:
    """Insert the kept row unless the partner's msgid has one; True when this one is it."""
    connection = s.connection()
    return connection.execute(CLAIM(connection), row).first() is not None


class MsgidTaken(Exception):
    """The msgid has a kept reply already (a concurrent duplicate committed first): roll back, answer that."""


def claim_in(s: Session, rt: Runtime, received: Received, logged: Logged) -> None:
    """Inside the caller's transaction (a settlement's): keep this reply as the msgid's first, or raise
    MsgidTaken so that the caller's writes roll back with it."""
    if not _claim(s, _row(received, logged, True, rt.clock.now())):
        raise MsgidTaken(received.msgid)


def log(rt: Runtime, received: Received, logged: Logged, *, keep: bool) -> Kept | None:
    """Log a reply. With `keep` (a reply to a partner's valid msgid) it becomes the msgid's first reply,
    unless one was kept meanwhile: then this one is logged as a repeat and the kept one is returned."""
    now = rt.clock.now()

    def work(s: Session) -> bool:
        if keep and received.partner_id is not None and _claim(s, _row(received, logged, True, now)):
            return True
        s.connection().execute(INSERT, _row(received, logged, False, now))
        return not keep

    if rt.db.write(work) or received.partner_id is None:
        return None
    return kept(rt, received.partner_id, received.msgid)


def once(rt: Runtime, received: Received, work: Callable[[Session], Logged]) -> Logged | Kept:
    """Run `work` (which writes the gateway's own rows and builds the reply) in the transaction that
    claims the msgid; if the msgid was claimed already, nothing of `work` runs and the kept reply is
    returned (after logging this request as a repeat). A DomainError from `work` rolls it all back."""
    now = rt.clock.now()
    table = HsaMessage.__table__

    def attempt(s: Session) -> Logged | None:
        row = _row(received, Logged(-1, None, ""), True, now)
        if not _claim(s, row):
            return None
        logged = work(s)
        s.connection().execute(update(table).where(table.c.id == row["id"]).values(
            infcode=logged.infcode, err_msg=logged.err_msg and logged.err_msg[:200], reply=logged.reply,
            settlement_id=logged.settlement_id))
        return logged

    done = rt.db.write(attempt)
    if done is not None:
        return done
    first = kept(rt, received.partner_id, received.msgid)
    return first if first is not None else Kept("", "")


# --- staff: search and retention ------------------------------------------------------------------

@dataclass(frozen=True)
class LogSearch:
    text: str = ""          # a msgid, or the start of one, or an institution code
    infno: str = ""
    failed_only: bool = False


@dataclass(frozen=True)
class LogLine:
    message: HsaMessage
    institution_name: str | None
    institution_code: str | None


def search(rt: Runtime, actor: Actor, query: LogSearch, *, offset: int = 0,
           limit: int = 50) -> tuple[list[LogLine], int]:
    """Auditors and admins: the log, newest first (what it shows is masked already)."""
    if not is_auditor(actor.principal):  # auditors and admins
        raise DomainError(ErrorCode.NOT_ALLOWED)
    where = []
    needle = query.text.strip()
    if needle:
        where.append(or_(HsaMessage.msgid.startswith(needle), Institution.institution_code == needle.upper()))
    if query.infno.strip():
        where.append(HsaMessage.infno == query.infno.strip())
    if query.failed_only:
        where.append(HsaMessage.infcode != 0)
    base = select(HsaMessage, Institution.name, Institution.institution_code).outerjoin(
        Institution, Institution.id == HsaMessage.partner_id).where(*where)
    with rt.db.read() as s:
        total = s.exec(select(func.count()).select_from(base.subquery())).one()
        rows = s.exec(base.order_by(HsaMessage.created_at.desc(), HsaMessage.id).offset(offset).limit(limit)).all()
    return [LogLine(m, name, code) for m, name, code in rows], total


def prune(rt: Runtime, older_than: timedelta) -> int:
    """Delete log rows older than the retention; a msgid older than that is no longer recognised."""
    cutoff = rt.clock.now() - older_than

    def work(s: Session) -> int:
        return s.connection().execute(delete(HsaMessage.__table__).where(HsaMessage.created_at < cutoff)).rowcount

    return rt.db.write(work)
