"""Who prepares, reviews, approves and pays clearing batches, sets payee accounts, and reads statements.

Clerks (and admins) prepare; auditors (and admins) deduct, approve and reject; admins pay and set payee
accounts. A partner reads its own institution's statement; its payee account number is masked to
everyone but admins.
"""

from backend.domain.clearing import mask_account
from backend.graph.core.rules import (
    ADMIN,
    AUDITOR,
    CLERK_OR_ADMIN,
    DENIED,
    DENY,
    MASKED,
    OWN_INSTITUTION,
    STAFF_ONLY,
    VISIBLE,
    Rule,
)
from backend.policy import is_admin

STAFF_OR_OWN_INSTITUTION = (DENY, OWN_INSTITUTION, STAFF_ONLY[2], DENY)
ACCOUNT_FOR_ADMINS = Rule("admin; masked for other staff", lambda ctx, root: VISIBLE if is_admin(ctx.principal)
                          else MASKED, mask=mask_account)
OWN_MASKED = Rule("own institution, masked", lambda ctx, root: MASKED if root.institution_id == ctx.principal.id
                  else DENIED, mask=mask_account)
PAYEE_ACCOUNT = (DENY, OWN_MASKED, ACCOUNT_FOR_ADMINS, DENY)

#                                       household               partner  staff          anonymous
ROWS = {
    "Query.clearingBatches":            STAFF_ONLY,
    "Query.clearingBatch":              STAFF_ONLY,
    "Query.clearingFigures":            STAFF_ONLY,
    "ClearingFigures.owedFen":          STAFF_ONLY,
    "ClearingFigures.inBatchesFen":     STAFF_ONLY,
    "ClearingFigures.batchesWaitingForApproval": STAFF_ONLY,
    "Query.clearingStatement":          (DENY,                   STAFF_ONLY[2], STAFF_ONLY[2], DENY),
    "Mutation.prepareClearing":         (DENY,                   DENY,    CLERK_OR_ADMIN, DENY),
    "Mutation.deductFromSettlement":    (DENY,                   DENY,    AUDITOR,       DENY),
    "Mutation.approveClearing":         (DENY,                   DENY,    AUDITOR,       DENY),
    "Mutation.rejectClearing":          (DENY,                   DENY,    AUDITOR,       DENY),
    "Mutation.payClearing":             (DENY,                   DENY,    ADMIN,         DENY),
    "Mutation.setPayeeAccount":         (DENY,                   DENY,    ADMIN,         DENY),

    "ClearingBatch.id":                 STAFF_ONLY,
    "ClearingBatch.month":              STAFF_ONLY,
    "ClearingBatch.status":             STAFF_ONLY,
    "ClearingBatch.preparedBy":         STAFF_ONLY,
    "ClearingBatch.preparedAt":         STAFF_ONLY,
    "ClearingBatch.approvedBy":         STAFF_ONLY,
    "ClearingBatch.approvedAt":         STAFF_ONLY,
    "ClearingBatch.rejectedAt":         STAFF_ONLY,
    "ClearingBatch.rejectReason":       STAFF_ONLY,
    "ClearingBatch.paidAt":             STAFF_ONLY,
    "ClearingBatch.bankReference":      STAFF_ONLY,
    "ClearingBatch.lines":              STAFF_ONLY,
    "ClearingBatch.deductions":         STAFF_ONLY,
    "ClearingBatch.payableFen":         STAFF_ONLY,

    "ClearingLine.institution":         STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.insutype":            STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.clrType":             STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.settlements":         STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.refunds":             STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.billFen":             STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.fundFen":             STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.ownAccountFen":       STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.mutualAidFen":        STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.cashFen":             STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.deductedFen":         STAFF_OR_OWN_INSTITUTION,
    "ClearingLine.payableFen":          STAFF_OR_OWN_INSTITUTION,

    "ClearingDeduction.settlementId":   STAFF_ONLY,
    "ClearingDeduction.amountFen":      STAFF_ONLY,
    "ClearingDeduction.fundFen":        STAFF_ONLY,
    "ClearingDeduction.personalFen":    STAFF_ONLY,
    "ClearingDeduction.reason":         STAFF_ONLY,
    "ClearingDeduction.createdBy":      STAFF_ONLY,
    "ClearingDeduction.createdAt":      STAFF_ONLY,

    "ClearingStatement.month":          STAFF_OR_OWN_INSTITUTION,
    "ClearingStatement.status":         STAFF_OR_OWN_INSTITUTION,
    "ClearingStatement.institution":    STAFF_OR_OWN_INSTITUTION,
    "ClearingStatement.lines":          STAFF_OR_OWN_INSTITUTION,
    "ClearingStatement.payableFen":     STAFF_OR_OWN_INSTITUTION,
    "ClearingStatement.paidAt":         STAFF_OR_OWN_INSTITUTION,
    "ClearingStatement.bankReference":  STAFF_OR_OWN_INSTITUTION,

    "Institution.payeeBankName":        (DENY,                   OWN_INSTITUTION, STAFF_ONLY[2], DENY),
    "Institution.payeeAccountNumber":   PAYEE_ACCOUNT,
}
