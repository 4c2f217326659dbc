"""Tables. Alembic migrations create them; `create_all` is for nothing but throwaway tests.

Enumerations are stored as short strings (validated by the domain), so the schema needs no
database-specific enum types. Primary keys are random UUIDs: no hot-spotting sequence.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from backend.storage.types import UTCDateTime


def _ts(nullable: bool = False):
    return Field(sa_type=UTCDateTime, nullable=nullable)


class Person(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=64)
    id_number: str = Field(max_length=18, unique=True)
    birth_date: date
    sex: str = Field(max_length=6)
    phone: str | None = Field(default=None, max_length=20, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = _ts()


class Enrolment(SQLModel, table=True):
    """A person's current insurance enrolment (one per person)."""

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    insurance_type: str = Field(max_length=10)
    region_code: str = Field(max_length=6)
    status: str = Field(max_length=10)
    updated_at: datetime = _ts()


class PersonalAccount(SQLModel, table=True):
    """An employee's personal medical account (个人账户); balance in integer fen."""

    __table_args__ = (CheckConstraint("balance_fen >= 0", name="ck_personal_account_balance_nonnegative"),)

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    balance_fen: int = Field(sa_type=BigInteger)
    updated_at: datetime = _ts()


class Household(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=40)
    created_by: uuid.UUID = Field(foreign_key="person.id")
    created_at: datetime = _ts()


class HouseholdMember(SQLModel, table=True):
    household_id: uuid.UUID = Field(foreign_key="household.id", primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True, index=True)
    added_by: uuid.UUID = Field(foreign_key="person.id")
    added_at: datetime = _ts()


class Relationship(SQLModel, table=True):
    """"person is relative's <kind>", stored once per pair; the inverse is derived."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    relative_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    # The two ids sorted and joined: one row per pair, whichever side claimed it.
    pair_key: str = Field(max_length=80, unique=True)
    kind: str = Field(max_length=24)
    status: str = Field(max_length=10)
    claimed_by: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    claimed_at: datetime = _ts()
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")
    decided_via: str | None = Field(default=None, max_length=16)
    decided_at: datetime | None = _ts(nullable=True)
    rejection_reason: str | None = Field(default=None, max_length=200)


class StaffUser(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)
    role: str = Field(max_length=10)
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = _ts()


class Institution(SQLModel, table=True):
    """A partner: designated hospital or pharmacy (定点医疗机构/零售药店), or a third-party app."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=10)
    level: int = 0
    region_code: str = Field(max_length=6)
    created_at: datetime = _ts()


class ApiKey(SQLModel, table=True):
    """A partner credential: the public prefix finds the row, the secret's SHA-256 proves it."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    institution_id: uuid.UUID = Field(foreign_key="institution.id", index=True)
    prefix: str = Field(max_length=16, unique=True)
    secret_sha256: str = Field(max_length=64)
    created_at: datetime = _ts()
    revoked_at: datetime | None = _ts(nullable=True)


class AuditEvent(SQLModel, table=True):
    """Who, acting as what, did what on whom, via which channel, when (R15). Append-only."""

    __table_args__ = (
        Index("ix_auditevent_subject_at", "subject_person_id", "at"),
        Index("ix_auditevent_at", "at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = _ts()
    actor_kind: str = Field(max_length=12)
    actor_id: str | None = Field(default=None, max_length=36)
    acting_as: str = Field(max_length=24)
    action: str = Field(max_length=48)
    subject_person_id: uuid.UUID | None = None
    channel: str = Field(max_length=12)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))




class EVoucher(SQLModel, table=True):
    """A person's medical e-voucher (医保电子凭证): activated by the person, or not at all."""

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    activated_at: datetime = _ts()


class Binding(SQLModel, table=True):
    """A family-account binding (亲情账户): the holder's phone may show the subject's code (R9)."""

    __table_args__ = (
        # One pending or active binding per (holder, subject); ended and declined ones stay as history.
        Index("uq_binding_live", "holder_id", "subject_id", unique=True,
              sqlite_where=text("status IN ('pending', 'active')"),
              postgresql_where=text("status IN ('pending', 'active')")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    holder_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    subject_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    status: str = Field(max_length=10)
    view_insurance: bool = True
    view_account: bool = False
    consent_via: str | None = Field(default=None, max_length=16)
    requested_at: datetime = _ts()
    decided_at: datetime | None = _ts(nullable=True)
    ended_at: datetime | None = _ts(nullable=True)
    ended_by: uuid.UUID | None = Field(default=None, foreign_key="person.id")


class PresentedCode(SQLModel, table=True):
    """A code issued for (subject, presenter): stored as a hash, single-use, short-lived (R10)."""

    __table_args__ = (Index("ix_presentedcode_live", "subject_id", "presenter_id", "status"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code_sha256: str = Field(max_length=64, unique=True)
    subject_id: uuid.UUID = Field(foreign_key="person.id")
    presenter_id: uuid.UUID = Field(foreign_key="person.id")
    binding_id: uuid.UUID | None = Field(default=None, foreign_key="binding.id", index=True)
    status: str = Field(max_length=10)
    issued_at: datetime = _ts()
    expires_at: datetime = _ts()
    used_at: datetime | None = _ts(nullable=True)


class PolicyLimit(SQLModel, table=True):
    """A cap a region sets (R4), e.g. bindings per holder; no row means no cap.

    `region_prefix` is "" for everywhere, "37" for Shandong, "3701" for Jinan, or a full code; the
    longest prefix of a person's region wins.
    """

    name: str = Field(max_length=32, primary_key=True)
    region_prefix: str = Field(max_length=6, primary_key=True)
    value: int
    set_by: uuid.UUID | None = Field(default=None, foreign_key="staffuser.id")
    set_at: datetime = _ts()
