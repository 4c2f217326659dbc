"""Where clearing pays a partner institution: its payee bank account (bank name, account number).

Admins set it, with a reason, audited (the audit detail keeps the number masked); everyone else sees the
number masked (`domain.clearing.mask_account`). Paying a batch needs it for every institution owed money.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from backend.domain.clearing import check_payee_account, mask_account
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.text import clean_reason
from backend.policy import is_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.platform import audit
from backend.storage.models import Institution


def set_payee_account(rt: Runtime, actor: Actor, institution_id: uuid.UUID, bank_name: str, account_no: str,
                      reason: str) -> Institution:
    if not is_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)
    name, number = check_payee_account(bank_name, account_no)
    why = clean_reason(reason)

    def work(s: Session) -> Institution:
        institution = s.get(Institution, institution_id, with_for_update=True)
        if institution is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="institutionId")
        before = mask_account(institution.payee_account_no)
        institution.payee_bank_name, institution.payee_account_no = name, number
        s.add(institution)
        audit.record(s, actor, "partner.payee_account", at=rt.clock.now(), institution_id=institution.id,
                     bank_name=name, account=mask_account(number), before=before, reason=why)
        return institution

    return rt.db.write(work)
