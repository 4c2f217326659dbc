"""The bank's payout file for a paid or approved batch: CSV in UTF-8 or GB18030, one row per institution
owed money, then a control row with the number of payments and their total (the bank checks both).

Amounts are yuan with two decimals and no grouping (a bank's import reads `1234.50`, not `1,234.50`).
"""

from __future__ import annotations

import uuid

from backend.domain.clearing import BatchStatus
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.spreadsheet import csv_row
from backend.policy import is_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.clearing import batches, views
from backend.services.platform import audit
from backend.storage.models import ClearingBatch

ENCODINGS = ("utf-8", "gb18030")
HEADER = ("seq", "payee_name", "bank_name", "account_number", "amount_yuan", "memo")


def _plain_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def payout_file(rt: Runtime, actor: Actor, batch_id: uuid.UUID, encoding: str = "utf-8") -> tuple[str, bytes]:
    """(file name, bytes) for an admin; audited, since it carries the payees' full account numbers."""
    if not is_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)
    if encoding not in ENCODINGS:
        raise DomainError(ErrorCode.INVALID_INPUT, field="encoding")

    def work(s) -> tuple[ClearingBatch, list[views.Payee]]:
        batch = s.get(ClearingBatch, batch_id)
        if batch is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="batchId")
        if batch.status not in (BatchStatus.APPROVED, BatchStatus.PAID):
            raise batches.state_error(batch)
        payees = views.payees(s, batch.id)
        audit.record(s, actor, "clearing.payout_file", at=rt.clock.now(), batch_id=batch.id, month=batch.month,
                     payments=len(payees), encoding=encoding)
        return batch, payees

    batch, payees = rt.db.write(work)
    memo = f"yibao clearing {batch.month}"
    lines = [csv_row(HEADER)]
    for number, payee in enumerate(payees, start=1):
        inst = payee.institution
        lines.append(csv_row((number, inst.name, inst.payee_bank_name or "", inst.payee_account_no or "",
                              _plain_yuan(payee.amount_fen), memo)))
    lines.append(csv_row(("TOTAL", len(payees), "", "", _plain_yuan(sum(p.amount_fen for p in payees)), batch.month)))
    return f"payout-{batch.month}-{encoding}.csv", "".join(lines).encode(encoding)
