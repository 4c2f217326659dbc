"""Free text people and partners type: names, item codes, reasons. Trimmed, bounded, printable."""

from __future__ import annotations

import unicodedata

from backend.domain.errors import DomainError, ErrorCode

PERSON_NAME_MAX = 64  # the longest names on Chinese ID cards (minority and transliterated names) fit


def has_control_characters(value: str) -> bool:
    """Control, format, surrogate and unassigned code points (Unicode categories C*) have no place in a name."""
    return any(unicodedata.category(ch).startswith("C") for ch in value)


def clean_name(raw: str, *, field: str = "name", max_length: int = 100) -> str:
    """A trimmed, non-empty name of at most `max_length` characters without control characters."""
    name = raw.strip()
    if not name:
        raise DomainError(ErrorCode.NAME_REQUIRED, field=field)
    if len(name) > max_length:
        raise DomainError(ErrorCode.NAME_TOO_LONG, field=field, max=max_length)
    if has_control_characters(name):
        raise DomainError(ErrorCode.CONTROL_CHARACTERS, field=field)
    return name


REASON_MAX = 200


def clean_reason(raw: str | None) -> str:
    """Why a staff action was taken: required, trimmed, at most REASON_MAX characters, printable."""
    reason = (raw or "").strip()
    if not reason:
        raise DomainError(ErrorCode.REASON_REQUIRED, field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(ErrorCode.REASON_TOO_LONG, field="reason", max=REASON_MAX)
    if has_control_characters(reason):
        raise DomainError(ErrorCode.CONTROL_CHARACTERS, field="reason")
    return reason
