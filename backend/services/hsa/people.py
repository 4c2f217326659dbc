"""Who a scanned code is for, as a partner may know them: its number for the person (psn_no)."""

from __future__ import annotations

import uuid

from backend.domain.codes import person_number
from backend.runtime import Runtime
from backend.services.family_account.codes import live_code


def person_number_of_code(rt: Runtime, institution_id: uuid.UUID, code: str) -> str:
    """The partner's psn_no for the code's subject; the code must be live (the typed reason otherwise).
    Reads only: the code is neither resolved (no audit event) nor used up."""
    with rt.db.read() as s:
        row = live_code(s, rt, code, lock=False)
    return person_number(rt.code_key, institution_id.bytes, row.subject_id.bytes)


def person_number_of(rt: Runtime, institution_id: uuid.UUID, person_id: uuid.UUID) -> str:
    return person_number(rt.code_key, institution_id.bytes, person_id.bytes)
