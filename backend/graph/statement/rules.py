"""Who sees a yearly statement: the person, or a holder of their binding with `view_account` (a parent for a
child); staff, audited. A grantor sees only the totals their grants paid (Grant.paidIn), never these lines."""

from backend.graph.core.rules import AUDITED, DENY, REACHED_THROUGH_PARENT, SELF_OR_ACCOUNT_HOLDER

#                                       household               partner  staff          anonymous
ROWS = {
    "Person.statement":                 (SELF_OR_ACCOUNT_HOLDER, DENY,    AUDITED,       DENY),

    "YearlyStatement.year":             REACHED_THROUGH_PARENT,
    "YearlyStatement.total":            REACHED_THROUGH_PARENT,
    "YearlyStatement.months":           REACHED_THROUGH_PARENT,
    "YearlyStatement.institutions":     REACHED_THROUGH_PARENT,
    "MonthBurden.month":                REACHED_THROUGH_PARENT,
    "MonthBurden.burden":               REACHED_THROUGH_PARENT,
    "InstitutionBurden.institutionName": REACHED_THROUGH_PARENT,
    "InstitutionBurden.burden":         REACHED_THROUGH_PARENT,
    "Burden.totalFen":                  REACHED_THROUGH_PARENT,
    "Burden.ownAccountFen":             REACHED_THROUGH_PARENT,
    "Burden.mutualAidFen":              REACHED_THROUGH_PARENT,
    "Burden.mutualAid":                 REACHED_THROUGH_PARENT,
    "Burden.cashFen":                   REACHED_THROUGH_PARENT,
    "Burden.overlmtSelfpayFen":         REACHED_THROUGH_PARENT,
    "RelativeAid.grantorName":          REACHED_THROUGH_PARENT,
    "RelativeAid.amountFen":            REACHED_THROUGH_PARENT,
}
