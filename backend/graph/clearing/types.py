"""Clearing batches, their lines and deductions, a partner's statement, and Institution's payee account."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import datetime
import uuid
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.graph.core import refs
from backend.graph.core.errors import OperationError
from backend.graph.core.ids import to_global_id
from backend.graph.core.scalars import Fen
from backend.graph.core.wrappers import Wrapper
from backend.storage import models


@strawberry.type(description="One row of a clearing batch: an institution and clearing key (insurance type 310/390, "
                             "clearing type 11/21/41) for the batch's month, what it adds up to and what is payable.")
class ClearingLine:
    row: strawberry.Private[models.ClearingLine]

    @property
    def institution_id(self) -> uuid.UUID:
        return self.row.institution_id

    @strawberry.field
    async def institution(self, info: Info) -> refs.Institution:
        return refs.institution(await info.context.loaders.institution.load(self.row.institution_id))

    @strawberry.field(description="310 employee, 390 resident (the national insutype).")
    def insutype(self) -> str:
        return self.row.insutype

    @strawberry.field(description="11 outpatient, 21 inpatient, 41 pharmacy (the national clr_type).")
    def clr_type(self) -> str:
        return self.row.clr_type

    @strawberry.field(description="Settlements in it.")
    def settlements(self) -> int:
        return self.row.settlements

    @strawberry.field(description="Refunds and reversals in it (their amounts count negative).")
    def refunds(self) -> int:
        return self.row.refunds

    @strawberry.field
    def bill_fen(self) -> Fen:
        return self.row.bill_fen

    @strawberry.field
    def fund_fen(self) -> Fen:
        return self.row.fund_fen

    @strawberry.field(description="Paid from the subjects' own personal accounts.")
    def own_account_fen(self) -> Fen:
        return self.row.own_fen

    @strawberry.field(description="Paid from relatives' personal accounts (family mutual aid).")
    def mutual_aid_fen(self) -> Fen:
        return self.row.aid_fen

    @strawberry.field(description="Paid in cash at the counter: for information, never cleared.")
    def cash_fen(self) -> Fen:
        return self.row.cash_fen

    @strawberry.field(description="Deducted by auditors (审核扣款): not paid.")
    def deducted_fen(self) -> Fen:
        return self.row.deducted_fen

    @strawberry.field(description="fund + own account + mutual aid - deducted; negative when refunds outweigh.")
    def payable_fen(self) -> Fen:
        return self.row.payable_fen


@strawberry.type(description="审核扣款: an auditor's deduction from a settlement, with its reason.")
class ClearingDeduction:
    row: strawberry.Private[models.ClearingDeduction]

    @strawberry.field
    def settlement_id(self) -> strawberry.ID:
        return to_global_id("Settlement", self.row.settlement_id)

    @strawberry.field
    def amount_fen(self) -> Fen:
        return self.row.amount_fen

    @strawberry.field(description="Returned to the fund.")
    def fund_fen(self) -> Fen:
        return self.row.fund_fen

    @strawberry.field(description="Returned to the personal accounts that paid.")
    def personal_fen(self) -> Fen:
        return self.row.personal_fen

    @strawberry.field
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field
    async def created_by(self, info: Info) -> refs.StaffUser | None:
        return refs.staff_user(await info.context.loaders.staff.load(self.row.created_by))

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.row.created_at


async def _staff(info: Info, staff_id: uuid.UUID | None):
    return refs.staff_user(await info.context.loaders.staff.load(staff_id)) if staff_id else None


@strawberry.type(description="One month's clearing (清算): prepared by a clerk, reviewed and approved by another "
                             "staff member, paid by an admin against the bank's reference.")
class ClearingBatch:
    row: strawberry.Private[models.ClearingBatch]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("ClearingBatch", self.row.id)

    @strawberry.field(description="YYYY-MM, China time.")
    def month(self) -> str:
        return self.row.month

    @strawberry.field(description="prepared, approved, paid or rejected.")
    def status(self) -> str:
        return self.row.status

    @strawberry.field
    async def prepared_by(self, info: Info) -> refs.StaffUser | None:
        return await _staff(info, self.row.prepared_by)

    @strawberry.field
    def prepared_at(self) -> datetime.datetime:
        return self.row.prepared_at

    @strawberry.field
    async def approved_by(self, info: Info) -> refs.StaffUser | None:
        return await _staff(info, self.row.approved_by)

    @strawberry.field
    def approved_at(self) -> datetime.datetime | None:
        return self.row.approved_at

    @strawberry.field
    def rejected_at(self) -> datetime.datetime | None:
        return self.row.rejected_at

    @strawberry.field
    def reject_reason(self) -> str | None:
        return self.row.reject_reason

    @strawberry.field
    def paid_at(self) -> datetime.datetime | None:
        return self.row.paid_at

    @strawberry.field
    def bank_reference(self) -> str | None:
        return self.row.bank_reference

    @strawberry.field(description="One row per institution and clearing key.")
    async def lines(self, info: Info) -> list[ClearingLine]:
        return [ClearingLine(row=r) for r in await info.context.loaders.clearing_lines.load(self.row.id)]

    @strawberry.field(description="Deductions made while it was under review.")
    async def deductions(self, info: Info) -> list[ClearingDeduction]:
        return [ClearingDeduction(row=r) for r in await info.context.loaders.clearing_deductions.load(self.row.id)]

    @strawberry.field(description="What the batch pays in all (the sum of its lines' payable).")
    async def payable_fen(self, info: Info) -> Fen:
        return sum(r.payable_fen for r in await info.context.loaders.clearing_lines.load(self.row.id))


@strawberry.type(description="结算单: one institution's lines of a month's clearing batch, what it is paid and when.")
class ClearingStatement:
    batch: strawberry.Private[models.ClearingBatch]
    institution_row: strawberry.Private[models.Institution]
    rows: strawberry.Private[list[models.ClearingLine]]

    @property
    def institution_id(self) -> uuid.UUID:
        return self.institution_row.id

    @strawberry.field
    def month(self) -> str:
        return self.batch.month

    @strawberry.field(description="prepared, approved or paid.")
    def status(self) -> str:
        return self.batch.status

    @strawberry.field
    def institution(self) -> refs.Institution:
        return refs.institution(self.institution_row)

    @strawberry.field
    def lines(self) -> list[ClearingLine]:
        return [ClearingLine(row=r) for r in self.rows]

    @strawberry.field
    def payable_fen(self) -> Fen:
        return sum(r.payable_fen for r in self.rows)

    @strawberry.field
    def paid_at(self) -> datetime.datetime | None:
        return self.batch.paid_at

    @strawberry.field
    def bank_reference(self) -> str | None:
        return self.batch.bank_reference


@strawberry.type
class InstitutionClearingFields:
    """What the clearing package adds to Institution (see `backend.graph.composed`)."""

    row: strawberry.Private[models.Institution]

    @strawberry.field(description="Where clearing pays it: the bank.")
    def payee_bank_name(self) -> str | None:
        return self.row.payee_bank_name

    @strawberry.field(description="Where clearing pays it: the account number, masked except to admins.")
    def payee_account_number(self) -> str | None:
        return self.row.payee_account_no


@strawberry.type(description="Clearing's figures for the staff dashboard (no personal data).")
class ClearingFigures:
    owed_fen: Fen = strawberry.field(description="What the insurer owes institutions and has not paid: unpaid "
                                                 "batches, and the fund and personal-account parts of settlements "
                                                 "(less refunds) no batch holds yet.")
    in_batches_fen: Fen = strawberry.field(description="Of which in batches prepared or approved, not yet paid.")
    batches_waiting_for_approval: int


@strawberry.type
class ClearingBatchPayload(Wrapper):
    batch: ClearingBatch


@strawberry.type
class ClearingDeductionPayload(Wrapper):
    deduction: ClearingDeduction
    batch: ClearingBatch


@strawberry.type
class PayeeAccountPayload(Wrapper):
    partner: refs.Institution


ClearingBatchResult = Annotated[Union[ClearingBatchPayload, OperationError], strawberry.union("ClearingBatchResult")]
ClearingDeductionResult = Annotated[Union[ClearingDeductionPayload, OperationError],
                                    strawberry.union("ClearingDeductionResult")]
PayeeAccountResult = Annotated[Union[PayeeAccountPayload, OperationError], strawberry.union("PayeeAccountResult")]
