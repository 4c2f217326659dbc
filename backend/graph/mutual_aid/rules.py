"""Who sees grants and what they paid, and who may grant, cap, order and pay premiums."""

from backend.graph.core.rules import (
    AUDITED,
    DENIED,
    DENY,
    HOUSEHOLD_ONLY,
    PARTY,
    REACHED_THROUGH_PARENT,
    SELF,
    SELF_OR_HOLDER,
    VISIBLE,
    Rule,
)

GRANTOR = Rule("grantor", lambda ctx, root: VISIBLE if root.row.grantor_id == ctx.principal.id else DENIED)

# A grantor sees a grantee's spending (usage), never their medical lines; a grantee sees what each
# grant makes available, never the grantor's balance or records.
GRANT_DATA = (PARTY, DENY, AUDITED, DENY)
GRANTOR_ONLY = (GRANTOR, DENY, AUDITED, DENY)

#                                       household               partner  staff          anonymous
ROWS = {
    "Mutation.createGrant":             HOUSEHOLD_ONLY,
    "Mutation.revokeGrant":             HOUSEHOLD_ONLY,
    "Mutation.setGrantCap":             HOUSEHOLD_ONLY,
    "Mutation.setPayerOrder":           HOUSEHOLD_ONLY,
    "Mutation.payPremium":              HOUSEHOLD_ONLY,

    "Person.grantsGiven":               (SELF,                   DENY,    AUDITED,       DENY),
    "Person.grantsReceived":            (SELF,                   DENY,    AUDITED,       DENY),
    "Person.payerOrder":                (SELF_OR_HOLDER,         DENY,    AUDITED,       DENY),

    "Grant.id":                         GRANT_DATA,
    "Grant.grantor":                    GRANT_DATA,
    "Grant.grantee":                    GRANT_DATA,
    "Grant.status":                     GRANT_DATA,
    "Grant.suspendedBecause":           GRANT_DATA,
    "Grant.monthlyCapFen":              GRANT_DATA,
    "Grant.allowMedical":               GRANT_DATA,
    "Grant.allowPremium":               GRANT_DATA,
    "Grant.createdAt":                  GRANT_DATA,
    "Grant.revokedAt":                  GRANT_DATA,
    "Grant.spentThisMonthFen":          GRANT_DATA,
    "Grant.availableFen":               GRANTOR_ONLY,
    "Grant.capLeftFen":                 GRANT_DATA,
    "Grant.canPayNow":                  GRANT_DATA,
    "Grant.usage":                      GRANTOR_ONLY,
    "Grant.paidIn":                     GRANT_DATA,
    "GrantYearPaid.year":               REACHED_THROUGH_PARENT,
    "GrantYearPaid.medicalFen":         REACHED_THROUGH_PARENT,
    "GrantYearPaid.premiumFen":         REACHED_THROUGH_PARENT,

    "GrantUse.at":                      REACHED_THROUGH_PARENT,
    "GrantUse.amountFen":               REACHED_THROUGH_PARENT,
    "GrantUse.kind":                    REACHED_THROUGH_PARENT,
    "GrantUse.institutionName":         REACHED_THROUGH_PARENT,
    "GrantUse.refundedFen":             REACHED_THROUGH_PARENT,
    "PayerOrder.pools":                 REACHED_THROUGH_PARENT,
    "PayerOrder.cashOnly":              REACHED_THROUGH_PARENT,
    "PayerPool.key":                    REACHED_THROUGH_PARENT,
    "PayerPool.grant":                  REACHED_THROUGH_PARENT,
    "PremiumPaid.year":                 REACHED_THROUGH_PARENT,
    "PremiumPaid.amountFen":            REACHED_THROUGH_PARENT,
    "PremiumPaid.paidAt":               REACHED_THROUGH_PARENT,
    "PremiumPaid.grantee":              REACHED_THROUGH_PARENT,
}
