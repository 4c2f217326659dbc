"""What every use case needs: the database, the clock, a token source and the settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.clock import Clock, SecretsTokenSource, SystemClock, TokenSource
from backend.config import Settings, get_settings
from backend.storage.db import Database


@dataclass
class Runtime:
    db: Database
    settings: Settings = field(default_factory=get_settings)
    clock: Clock = field(default_factory=SystemClock)
    tokens: TokenSource = field(default_factory=SecretsTokenSource)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Runtime:
        settings = settings or get_settings()
        return cls(db=Database.from_url(settings.database_url), settings=settings)
