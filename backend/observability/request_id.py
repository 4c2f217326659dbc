"""The request id: taken from a sane incoming X-Request-ID or made here, and kept for the request in a
context variable, which the log formatter, the graph's error extensions and the response header read."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

HEADER = "X-Request-ID"
# A proxy's or partner's own id is kept when it is short and plain (it ends up in logs and headers).
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


@dataclass
class RequestInfo:
    """What this request's log lines and metrics share; the graph fills in the operation name."""

    id: str
    operation: str | None = None


_current: ContextVar[RequestInfo | None] = ContextVar("yibao_request", default=None)


def accept_or_new(incoming: str | None) -> str:
    if incoming is not None and _SANE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def begin(incoming: str | None) -> tuple[RequestInfo, object]:
    """Start a request's context; returns its info and the token `end` needs."""
    info = RequestInfo(accept_or_new(incoming))
    return info, _current.set(info)


def end(token) -> None:
    _current.reset(token)


def current() -> RequestInfo | None:
    return _current.get()


def current_id() -> str | None:
    info = _current.get()
    return info.id if info else None
