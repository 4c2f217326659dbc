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


# The national platform's codes (HSA_INTERFACE.md), used by clearing, reconciliation and the gateway.
INSUTYPE_CODE = {InsuranceType.EMPLOYEE: "310", InsuranceType.RESIDENT: "390"}
INSURANCE_TYPE_BY_CODE = {code: kind for kind, code in INSUTYPE_CODE.items()}
# clr_type by visit type (`VisitType` values): 11 outpatient, 21 inpatient, 41 pharmacy purchase.
CLEARING_TYPE_CODE = {"outpatient": "11", "inpatient": "21", "pharmacy": "41"}
VISIT_TYPE_BY_CLEARING_CODE = {code: visit for visit, code in CLEARING_TYPE_CODE.items()}
