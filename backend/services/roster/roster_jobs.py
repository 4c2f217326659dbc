"""Roster imports run as background jobs in the serving process: one at a time, off the request's thread.

A page or a graph mutation starts the job and answers at once; the console polls the job row. The CLI
does not use this: it runs the same steps in its own process and draws a progress bar.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import BinaryIO

from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.roster import roster

log = logging.getLogger(__name__)


def spool(source: BinaryIO) -> Path:
    """Copy an uploaded file to a temporary file of its own, which the validation job deletes."""
    with tempfile.NamedTemporaryFile(prefix="roster-", suffix=".csv", delete=False) as target:
        shutil.copyfileobj(source, target, length=1 << 20)
    return Path(target.name)


class Jobs:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="roster-import")
        self._running: set[Future] = set()

    def _submit(self, job, *args) -> None:
        future = self._pool.submit(job, *args)
        self._running.add(future)
        future.add_done_callback(self._running.discard)

    def validate(self, rt: Runtime, import_id: uuid.UUID, path: Path) -> None:
        self._submit(_validate, rt, import_id, path)

    def apply(self, rt: Runtime, actor: Actor, import_id: uuid.UUID) -> None:
        self._submit(_apply, rt, actor, import_id)

    def drain(self, timeout: float | None = 60) -> None:
        """Wait for the jobs started so far (tests, shutdown)."""
        wait(list(self._running), timeout=timeout)


def _validate(rt: Runtime, import_id: uuid.UUID, path: Path) -> None:
    try:
        roster.validate(rt, import_id, path)
    except Exception as failure:  # noqa: BLE001 - a job has nobody to raise to: the job row says what happened
        log.exception("roster import %s: validation stopped", import_id)
        roster.fail(rt, import_id, f"validation stopped: {failure}")
    finally:
        path.unlink(missing_ok=True)


def _apply(rt: Runtime, actor: Actor, import_id: uuid.UUID) -> None:
    try:
        roster.apply(rt, actor, import_id)
    except Exception as failure:  # noqa: BLE001
        log.exception("roster import %s: apply stopped", import_id)
        roster.fail(rt, import_id, f"apply stopped: {failure}")


JOBS = Jobs()
