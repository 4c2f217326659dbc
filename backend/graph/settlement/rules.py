"""Who sees settlements and the ledger, and who may settle, refund and reverse."""

from backend.graph.core.rules import (
    ALLOW,
    AUDITED,
    CLERK_OR_ADMIN,
    DENIED,
    DENY,
    OWN_INSTITUTION,
    OWN_INSTITUTION_AUDITED,
    PARTNER_ONLY,
    REACHED_THROUGH_PARENT,
    SELF_OR_ACCOUNT_HOLDER,
    VISIBLE,
    Rule,
)
from backend.policy import holder_may


def _settlement_viewer(ctx, root):
    """The subject, whoever showed the code, and holders the subject lets see their records."""
    row = root.row
    if ctx.principal.id in (row.subject_id, row.presenter_id):
        return VISIBLE
    return VISIBLE if holder_may(ctx.scope.held, row.subject_id, "view_account") else DENIED


SETTLEMENT_VIEWER = Rule("subject, presenter or holder with `view_account`", _settlement_viewer)

SETTLEMENT_DATA = (SETTLEMENT_VIEWER, OWN_INSTITUTION, AUDITED, DENY)
# Who it was for and what they bought: a partner's read of personal data is audited too (R15).
SETTLEMENT_PERSONAL = (SETTLEMENT_VIEWER, OWN_INSTITUTION_AUDITED, AUDITED, DENY)
# What a Settlement's lines and parts carry is reached only through Settlement.lines / mutualAid, ruled above.
REACHED_THROUGH_SETTLEMENT = (ALLOW, ALLOW, ALLOW, DENY)
# A quote is reached only through Query.quote (partners); which grantors would pay is audited, as on a settlement.
REACHED_THROUGH_QUOTE = (DENY, ALLOW, DENY, DENY)
QUOTE_PERSONAL = (DENY, OWN_INSTITUTION_AUDITED, DENY, DENY)

#                                       household               partner  staff          anonymous
ROWS = {
    "Mutation.settle":                  PARTNER_ONLY,
    "Mutation.refundSettlement":        PARTNER_ONLY,
    "Mutation.reverseSettlement":       (DENY,                   DENY,    CLERK_OR_ADMIN, DENY),

    "Person.settlements":               (SELF_OR_ACCOUNT_HOLDER, DENY,    AUDITED,       DENY),
    "Person.ledger":                    (SELF_OR_ACCOUNT_HOLDER, DENY,    AUDITED,       DENY),
    "Institution.settlements":          (DENY,                   OWN_INSTITUTION, ALLOW, DENY),

    "Settlement.id":                    SETTLEMENT_DATA,
    "Settlement.institution":           SETTLEMENT_DATA,
    "Settlement.subject":               (SETTLEMENT_VIEWER,      DENY,    AUDITED,       DENY),
    "Settlement.presenter":             (SETTLEMENT_VIEWER,      DENY,    AUDITED,       DENY),
    "Settlement.subjectMaskedName":     SETTLEMENT_PERSONAL,
    "Settlement.presentedBySubject":    SETTLEMENT_DATA,
    "Settlement.presenterMaskedName":   SETTLEMENT_PERSONAL,
    "Settlement.visitType":             SETTLEMENT_DATA,
    "Settlement.serviceDate":           SETTLEMENT_DATA,
    "Settlement.parametersLabel":       SETTLEMENT_DATA,
    "Settlement.parametersId":          SETTLEMENT_DATA,
    "Settlement.billFen":               SETTLEMENT_DATA,
    "Settlement.fundFen":               SETTLEMENT_DATA,
    "Settlement.deductibleFen":         SETTLEMENT_DATA,
    "Settlement.copayFen":              SETTLEMENT_DATA,
    "Settlement.bSelfFirstFen":         SETTLEMENT_DATA,
    "Settlement.selfPayFen":            SETTLEMENT_DATA,
    "Settlement.nonMedicalFen":         SETTLEMENT_DATA,
    "Settlement.overlmtSelfpayFen":     SETTLEMENT_DATA,
    "Settlement.personalBurdenFen":     SETTLEMENT_DATA,
    "Settlement.ownAccountFen":         SETTLEMENT_DATA,
    "Settlement.mutualAid":             SETTLEMENT_PERSONAL,
    "Settlement.cashFen":               SETTLEMENT_DATA,
    "Settlement.clearingDeductedFen":   SETTLEMENT_DATA,
    "Settlement.payerOrder":            SETTLEMENT_DATA,
    "Settlement.cashOnly":              SETTLEMENT_DATA,
    "Settlement.status":                SETTLEMENT_DATA,
    "Settlement.receiptNumber":         SETTLEMENT_DATA,
    "Settlement.createdAt":             SETTLEMENT_DATA,
    "Settlement.lines":                 SETTLEMENT_PERSONAL,
    "Settlement.refunded":              SETTLEMENT_DATA,
    "Settlement.refunds":               SETTLEMENT_DATA,
    "Settlement.insurerFen":            SETTLEMENT_DATA,

    "SettlementLine.lineNo":            REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.itemCode":          REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.name":              REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.category":          REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.unitPriceFen":      REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.quantity":          REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.amountFen":         REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.fundFen":           REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.deductibleFen":     REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.copayFen":          REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.bSelfFirstFen":     REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.selfPayFen":        REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.nonMedicalFen":     REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.overlmtSelfpayFen": REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.inCatalogue":       REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.nationalCode":      REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.priceCapFen":       REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.cashFen":           REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.payments":          REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.refunded":          REACHED_THROUGH_SETTLEMENT,
    "SettlementPaymentPart.pool":       REACHED_THROUGH_SETTLEMENT,
    "SettlementPaymentPart.amountFen":  REACHED_THROUGH_SETTLEMENT,
    "MutualAidPaid.grantId":            REACHED_THROUGH_SETTLEMENT,
    "MutualAidPaid.grantorMaskedName":  REACHED_THROUGH_SETTLEMENT,
    "MutualAidPaid.amountFen":          REACHED_THROUGH_SETTLEMENT,
    "SettlementRefunded.totalFen":      REACHED_THROUGH_SETTLEMENT,
    "SettlementRefunded.fundFen":       REACHED_THROUGH_SETTLEMENT,
    "SettlementRefunded.ownAccountFen": REACHED_THROUGH_SETTLEMENT,
    "SettlementRefunded.mutualAidFen":  REACHED_THROUGH_SETTLEMENT,
    "SettlementRefunded.cashFen":       REACHED_THROUGH_SETTLEMENT,

    "Query.quote":                      PARTNER_ONLY,
    "SettlementQuote.billFen":          REACHED_THROUGH_QUOTE,
    "SettlementQuote.fundFen":          REACHED_THROUGH_QUOTE,
    "SettlementQuote.deductibleFen":    REACHED_THROUGH_QUOTE,
    "SettlementQuote.copayFen":         REACHED_THROUGH_QUOTE,
    "SettlementQuote.bSelfFirstFen":    REACHED_THROUGH_QUOTE,
    "SettlementQuote.selfPayFen":       REACHED_THROUGH_QUOTE,
    "SettlementQuote.nonMedicalFen":    REACHED_THROUGH_QUOTE,
    "SettlementQuote.overlmtSelfpayFen":REACHED_THROUGH_QUOTE,
    "SettlementQuote.personalBurdenFen":REACHED_THROUGH_QUOTE,
    "SettlementQuote.ownAccountFen":    REACHED_THROUGH_QUOTE,
    "SettlementQuote.cashFen":          REACHED_THROUGH_QUOTE,
    "SettlementQuote.payerOrder":       REACHED_THROUGH_QUOTE,
    "SettlementQuote.cashOnly":         REACHED_THROUGH_QUOTE,
    "SettlementQuote.parametersLabel":  REACHED_THROUGH_QUOTE,
    "SettlementQuote.parametersId":     REACHED_THROUGH_QUOTE,
    "SettlementQuote.mutualAid":        QUOTE_PERSONAL,
    "SettlementQuote.lines":            REACHED_THROUGH_QUOTE,
    "QuoteLine.lineNo":                 REACHED_THROUGH_QUOTE,
    "QuoteLine.itemCode":               REACHED_THROUGH_QUOTE,
    "QuoteLine.name":                   REACHED_THROUGH_QUOTE,
    "QuoteLine.category":               REACHED_THROUGH_QUOTE,
    "QuoteLine.inCatalogue":            REACHED_THROUGH_QUOTE,
    "QuoteLine.nationalCode":           REACHED_THROUGH_QUOTE,
    "QuoteLine.priceCapFen":            REACHED_THROUGH_QUOTE,
    "QuoteLine.overlmtSelfpayFen":      REACHED_THROUGH_QUOTE,
    "QuoteLine.unitPriceFen":           REACHED_THROUGH_QUOTE,
    "QuoteLine.quantity":               REACHED_THROUGH_QUOTE,
    "QuoteLine.amountFen":              REACHED_THROUGH_QUOTE,
    "QuoteLine.fundFen":                REACHED_THROUGH_QUOTE,
    "QuoteLine.deductibleFen":          REACHED_THROUGH_QUOTE,
    "QuoteLine.copayFen":               REACHED_THROUGH_QUOTE,
    "QuoteLine.bSelfFirstFen":          REACHED_THROUGH_QUOTE,
    "QuoteLine.selfPayFen":             REACHED_THROUGH_QUOTE,
    "QuoteLine.nonMedicalFen":          REACHED_THROUGH_QUOTE,
    "QuoteLine.cashFen":                REACHED_THROUGH_QUOTE,
    "QuoteLine.payments":               REACHED_THROUGH_QUOTE,

    "SettlementRefund.id":              REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.kind":            REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.reason":          REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.createdAt":       REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.lineNumbers":     REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.amountFen":       REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.fundFen":         REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.ownAccountFen":   REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.mutualAidFen":    REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.cashFen":         REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.insurerFen":      REACHED_THROUGH_SETTLEMENT,
    "SettlementRefund.deductibleFen":   REACHED_THROUGH_SETTLEMENT,

    "LedgerEntry.at":                   REACHED_THROUGH_PARENT,
    "LedgerEntry.amountFen":            REACHED_THROUGH_PARENT,
    "LedgerEntry.kind":                 REACHED_THROUGH_PARENT,
}
