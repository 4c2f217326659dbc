"""What every use case needs: the database, the clock, a token source and the settings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from backend.clock import Clock, SecretsTokenSource, SystemClock, TokenSource
from backend.config import Settings, get_settings
from backend.consent import ConsentVerifier, SandboxConsent
from backend.storage.db import Database


@dataclass
class Runtime:
    db: Database
    settings: Settings = field(default_factory=get_settings)
    clock: Clock = field(default_factory=SystemClock)
    tokens: TokenSource = field(default_factory=SecretsTokenSource)
    consent: ConsentVerifier = field(default_factory=SandboxConsent)

    @cached_property
    def code_key(self) -> bytes:
        """The key that tags presented codes, derived from the secret key."""
        return hashlib.sha256(b"yibao.codes:" + self.settings.resolved_secret_key().encode()).digest()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Runtime:
        settings = settings or get_settings()
        return cls(db=Database.from_url(settings.database_url,
                                        transaction_pooling=settings.database_transaction_pooling),
                   settings=settings)
