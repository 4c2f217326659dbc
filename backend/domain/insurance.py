"""Insurance enrolment kinds and states."""

from __future__ import annotations

from enum import StrEnum


class InsuranceType(StrEnum):
    EMPLOYEE = "employee"  # 职工医保: has a personal account
    RESIDENT = "resident"  # 城乡居民医保


class InsuranceStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"
