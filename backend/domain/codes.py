"""Presented codes (R10): 128 random bits plus a truncated HMAC, in QR alphanumeric characters.

`YB1` + base32(16 random bytes + 10-byte HMAC-SHA256 tag) is 45 characters of A-Z and 2-7, which
QR's alphanumeric mode encodes in a version-3 symbol at error-correction level M. The tag lets a
forged or altered code be told apart from a genuine one the database does not know.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from enum import StrEnum

PREFIX = "YB1"
_RANDOM_BYTES = 16
_TAG_BYTES = 10


class CodeStatus(StrEnum):
    LIVE = "live"
    USED = "used"
    REVOKED = "revoked"        # its binding ended


def _tag(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, b"yibao.code." + payload, hashlib.sha256).digest()[:_TAG_BYTES]


def make_code(key: bytes, random_bytes: bytes) -> str:
    if len(random_bytes) != _RANDOM_BYTES:
        raise ValueError("a code needs 16 random bytes")
    return PREFIX + base64.b32encode(random_bytes + _tag(key, random_bytes)).decode().rstrip("=")


def is_authentic(key: bytes, code: str) -> bool:
    """True when the code is well formed and carries our tag (it may still be unknown or dead)."""
    text = code.strip().upper()
    if not text.startswith(PREFIX):
        return False
    body = text[len(PREFIX):]
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        return False
    # Canonical form only: the last character's unused bits must be zero, so one code has one text.
    if len(raw) != _RANDOM_BYTES + _TAG_BYTES or base64.b32encode(raw).decode().rstrip("=") != body:
        return False
    return hmac.compare_digest(raw[_RANDOM_BYTES:], _tag(key, raw[:_RANDOM_BYTES]))


def code_digest(code: str) -> str:
    """What the database keeps: a code is never stored as text."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def mask_name(name: str) -> str:
    """Partners see 张*伟 / 张*: enough to match a face at the counter, not a full name."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


PERSON_NUMBER_LENGTH = 20


def person_number(key: bytes, institution_id: bytes, person_id: bytes) -> str:
    """A partner's number for a person (the national interface's `psn_no`): the same every time this
    partner scans this person's code, different for every other partner, and telling nothing about the
    person (an HMAC, not the ID number). 20 characters of base32."""
    tag = hmac.new(key, b"yibao.person-number:" + institution_id + person_id, hashlib.sha256).digest()
    return base64.b32encode(tag).decode("ascii")[:PERSON_NUMBER_LENGTH]
