"""Structured logs: one JSON object per line on stderr, with the request id, and without personal data.

The service logs no personal data on purpose (access lines carry the route template, never the path
or query; GraphQL variables are never logged). As a second line of defence the formatter masks what
looks like an ID number, a mobile number or a Chinese name in any logged text, an exception included.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from backend.observability.request_id import current_id

_PERSONAL = [
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), "[id-number]"),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), "[phone]"),
    (re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u00b7]+"), "[name]"),
]
_handler: logging.Handler | None = None
_level_before: int | None = None


def redact(text: str) -> str:
    for pattern, mask in _PERSONAL:
        text = pattern.sub(mask, text)
    return text


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return value


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or null outside a request) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_id()
        return True


class Formatter(JsonFormatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         datefmt="%Y-%m-%dT%H:%M:%S%z", json_ensure_ascii=False)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return _redacted(log_data)


def configure(level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Send every logger's records (uvicorn's included) as JSON lines to `stream` (stderr).

    Called once per serving process; calling it again replaces the handler it installed.
    """
    global _handler, _level_before
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    else:
        _level_before = root.level
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(Formatter())
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    _handler = handler
    return handler


def remove(handler: logging.Handler) -> None:
    """Take back what `configure` installed (tests, benchmarks): the handler and the root level."""
    global _handler
    root = logging.getLogger()
    root.removeHandler(handler)
    if _handler is handler:
        _handler = None
        if _level_before is not None:
            root.setLevel(_level_before)
