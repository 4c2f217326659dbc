"""Typed configuration read from environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'yibao.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    yibao_env: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    # True when DATABASE_URL points at a pooler in transaction mode (pgbouncer): no server-side prepared
    # statements and no session state (docs/scaling.md).
    database_transaction_pooling: bool = False
    secret_key: str | None = None
    # Bearer tokens for household members and staff.
    access_token_ttl_seconds: int = 12 * 3600
    session_max_age_seconds: int = 8 * 3600
    # Argon2 cost; tests lower it so thousands of logins stay quick.
    password_time_cost: int = 3
    password_memory_cost_kib: int = 65536
    # Presented codes (R10): how long one lives.
    code_ttl_seconds: int = Field(default=60, ge=10, le=600)
    # Refunds (R13): how many days the settling institution has to refund.
    refund_window_days: int = Field(default=30, ge=0, le=365)
    # Partner API keys: how long a rotated key's old secret keeps working (0: it stops at once).
    api_key_rotation_grace_hours: int = Field(default=24, ge=0, le=720)
    # The HSA gateway (/hsa/v1): how far an envelope's inf_time may be from the service's clock, and how
    # many days its message log is kept (a msgid older than that is no longer recognised as a retry).
    hsa_inf_time_window_seconds: int = Field(default=300, ge=10, le=86400)
    hsa_log_retention_days: int = Field(default=180, ge=1, le=3650)
    # GraphQL defences.
    graphql_max_depth: int = 10
    graphql_max_tokens: int = 2000
    graphql_max_aliases: int = 15
    max_page_size: int = 100
    # Request bodies (GraphQL documents, page forms) larger than this are refused with 413.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The console's roster upload (/console/imports) may be larger: a bureau's file of 100,000 people is ~8 MB.
    max_upload_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed, as uvicorn's --forwarded-allow-ips
    # takes them (addresses, networks, "*"); empty: nobody's, the socket peer is the client.
    forwarded_allow_ips: str = ""
    # Operators: the level of the JSON logs, and the bearer token /metrics asks for (unset: no /metrics).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics_token: str | None = None

    @property
    def development(self) -> bool:
        return self.yibao_env == "development"

    @model_validator(mode="after")
    def _secret_required_in_production(self) -> Settings:
        if self.yibao_env == "production" and not self.secret_key:
            raise ValueError("SECRET_KEY is required when YIBAO_ENV=production")
        return self

    def resolved_secret_key(self) -> str:
        """The signing key: configured, or generated once and kept in var/ for development."""
        if self.secret_key:
            return self.secret_key
        path = VAR_DIR / "secret_key"
        if path.exists():
            return path.read_text().strip()
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
