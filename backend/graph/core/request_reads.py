"""One read session per request, opened on first use, closed when the operation ends or before a write.

Reads run on the event loop (see `loaders`), so taking a pooled connection must never block it: a
request waits for a slot (an asyncio semaphore per event loop, as many slots as the pool keeps
connections) before it checks one out, and a full pool makes requests queue instead of stalling the
loop that would give connections back.
"""

from __future__ import annotations

import asyncio
import weakref

from sqlmodel import Session

from backend.storage.db import Database, end_read

_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = \
    weakref.WeakKeyDictionary()


def _slots(db: Database) -> asyncio.Semaphore:
    per_loop = _SLOTS.setdefault(asyncio.get_running_loop(), {})
    if id(db.engine) not in per_loop:
        size = getattr(db.engine.pool, "size", lambda: 5)()
        # Half the pool: the other half stays for writes, which run in worker threads meanwhile.
        per_loop[id(db.engine)] = asyncio.Semaphore(max(1, size // 2))
    return per_loop[id(db.engine)]


class RequestReads:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._session: Session | None = None
        self._slot: asyncio.Semaphore | None = None

    async def session(self) -> Session:
        if self._session is None:
            slot = _slots(self._db)
            await slot.acquire()
            session = Session(self._db.engine, expire_on_commit=False)
            self._session, self._slot = session, slot
            # Should a request die before its operation ends, the slot still comes back.
            self._finalizer = weakref.finalize(self, _end, session, slot, asyncio.get_running_loop())
        return self._session

    def close(self) -> None:
        """End the read transaction (a write that follows must not run beside a stale snapshot)."""
        if self._session is not None:
            self._session = self._slot = None
            self._finalizer()


def _end(session: Session, slot: asyncio.Semaphore, loop: asyncio.AbstractEventLoop) -> None:
    try:
        end_read(session)
    finally:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            slot.release()
        elif not loop.is_closed():  # collected in another thread: the semaphore belongs to its loop
            loop.call_soon_threadsafe(slot.release)
