"""JSON on the wire: yuan with at most two decimals in, exact fen inside, two decimals out.

A JSON number is kept as the literal the partner wrote (`parse_float`), so 12.30 and "12.30" are both
1230 fen and 1e3, 12.345 or NaN are refused instead of being rounded by a float.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from backend.domain.errors import N_

YUAN = re.compile(r"(0|[1-9][0-9]{0,13})(?:\.([0-9]{1,2}))?")  # N16,2, never negative on input
_OUT = re.compile(r'"\\u0000Y(-?[0-9]+\.[0-9]{2})"')


class Refused(Exception):
    """A message the gateway answers with infcode -1: the wire field it concerns and an English gettext id
    (translated to Chinese for err_msg)."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.params = field, message, params


BAD_JSON = N_("The body is not a JSON object in UTF-8.")
BAD_AMOUNT = N_("An amount is yuan with at most two decimals, written plainly (e.g. 12.30).")
CONTROL = N_("Control characters are not allowed.")


class Number(str):
    """A JSON number with a fraction or exponent, as the partner wrote it."""


def parse(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"), parse_float=Number, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused("body", BAD_JSON) from None
    if not isinstance(data, dict):
        raise Refused("body", BAD_JSON)
    return data


def _no_constant(name: str):
    raise ValueError(name)


def fen(value: Any, field: str) -> int:
    """Yuan as a JSON number or string with at most two decimals, as exact fen."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Refused(field, BAD_AMOUNT)
    text = str(value).strip() if isinstance(value, str) else str(value)
    match = YUAN.fullmatch(text)
    if match is None:
        raise Refused(field, BAD_AMOUNT)
    whole, cents = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(cents)


@dataclass(frozen=True)
class Yuan:
    """An amount for the reply: written as a JSON number with exactly two decimals."""

    fen: int

    def text(self) -> str:
        sign = "-" if self.fen < 0 else ""
        whole, cents = divmod(abs(self.fen), 100)
        return f"{sign}{whole}.{cents:02d}"


def _default(value: Any) -> Any:
    if isinstance(value, Yuan):
        return "\u0000Y" + value.text()
    raise TypeError(type(value).__name__)


def dumps(reply: dict[str, Any]) -> str:
    """The reply as JSON text, amounts as numbers with two decimals (12.30, never 12.3)."""
    text = json.dumps(reply, ensure_ascii=False, separators=(",", ":"), default=_default)
    return _OUT.sub(r"\1", text)
