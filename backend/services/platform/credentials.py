"""Passwords (Argon2id via argon2-cffi), partner API keys and signed bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend.config import Settings
from backend.domain.errors import DomainError, ErrorCode

API_KEY_PREFIX = "yb_"


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def password_hasher(settings: Settings) -> PasswordHasher:
    return _hasher(settings.password_time_cost, settings.password_memory_cost_kib)


def hash_password(settings: Settings, password: str) -> str:
    return password_hasher(settings).hash(password)


MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128  # Argon2 would take any length; a cap keeps one check's cost bounded


def check_password_length(password: str, field: str = "newPassword") -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise DomainError(ErrorCode.PASSWORD_LENGTH, field=field, min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)


def verify_password(settings: Settings, stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists: an absent hash still costs one verify."""
    hasher = password_hasher(settings)
    if stored_hash is None:
        hasher.hash(password)
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class NewApiKey:
    prefix: str
    secret_sha256: str
    plaintext: str


def new_api_key(seed: str | None = None) -> NewApiKey:
    """A key `yb_<prefix>_<secret>`; a seed makes it deterministic (demo data only)."""
    if seed is None:
        prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    else:
        digest = hashlib.sha256(seed.encode()).hexdigest()
        prefix, secret = digest[:12], digest[12:52]
    return NewApiKey(prefix, _sha256(secret), f"{API_KEY_PREFIX}{prefix}_{secret}")


def split_api_key(key: str) -> tuple[str, str] | None:
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, sep, secret = key[len(API_KEY_PREFIX):].partition("_")
    return (prefix, secret) if sep and prefix and secret else None


def api_secret_matches(secret: str, stored_sha256: str) -> bool:
    # API secrets are 256-bit random, so a fast hash is enough; compare in constant time.
    return hmac.compare_digest(_sha256(secret), stored_sha256)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class TokenSigner:
    """Bearer tokens for household members and staff (itsdangerous, timestamped). A token carries a
    server-side session's secret, so deleting the session ends the token before it expires."""

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="yibao.access-token")
        self._max_age = max_age_seconds

    def issue(self, session_secret: str) -> str:
        return self._serializer.dumps({"sid": session_secret})

    def read(self, token: str) -> str | None:
        try:
            data = self._serializer.loads(token, max_age=self._max_age)
            return data["sid"] if isinstance(data["sid"], str) else None
        except (BadSignature, KeyError, TypeError):
            return None
