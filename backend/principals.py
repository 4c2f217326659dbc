"""Who is calling: the three principals of DOMAIN.md ("Who calls"), plus nobody."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class PrincipalKind(StrEnum):
    HOUSEHOLD = "household"
    PARTNER = "partner"
    STAFF = "staff"
    ANONYMOUS = "anonymous"


class StaffRole(StrEnum):
    CLERK = "clerk"
    AUDITOR = "auditor"
    ADMIN = "admin"


class InstitutionKind(StrEnum):
    HOSPITAL = "hospital"
    PHARMACY = "pharmacy"
    APP = "app"


class Channel(StrEnum):
    WEB = "web"          # household pages
    CONSOLE = "console"  # staff pages
    GRAPHQL = "graphql"  # /graphql over HTTP
    FHIR = "fhir"        # /fhir/R4, the read-only FHIR export
    HSA = "hsa"          # /hsa/v1, the national platform's institution interface
    CLI = "cli"


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: uuid.UUID | None = None
    name: str = ""
    role: str | None = None  # staff role, or institution kind for partners
    elderly_mode: bool = False  # a household member's pages in large print (read with the session)

    @property
    def is_household(self) -> bool:
        return self.kind is PrincipalKind.HOUSEHOLD

    @property
    def is_staff(self) -> bool:
        return self.kind is PrincipalKind.STAFF

    @property
    def is_partner(self) -> bool:
        return self.kind is PrincipalKind.PARTNER


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)
SYSTEM = Principal(PrincipalKind.STAFF, None, "system", StaffRole.ADMIN)


@dataclass(frozen=True)
class Actor:
    """A principal acting through a channel: what an audit event records."""

    principal: Principal
    channel: Channel

    @property
    def acting_as(self) -> str:
        p = self.principal
        return f"{p.kind.value}:{p.role}" if p.role else p.kind.value
