"""Staff read settlement parameters; admins create versions."""

from backend.graph.core.rules import ADMIN, DENY, STAFF_ONLY

#                                       household  partner  staff  anonymous
ROWS = {
    "Query.parameterVersions":          STAFF_ONLY,
    "Query.parametersInForce":          STAFF_ONLY,
    "Mutation.createParameterVersion":  (DENY,      DENY,    ADMIN, DENY),

    "ParameterVersion.id":              STAFF_ONLY,
    "ParameterVersion.regionPrefix":    STAFF_ONLY,
    "ParameterVersion.effectiveFrom":   STAFF_ONLY,
    "ParameterVersion.label":           STAFF_ONLY,
    "ParameterVersion.bSelfPayFirstBp": STAFF_ONLY,
    "ParameterVersion.premiumFen":      STAFF_ONLY,
    "ParameterVersion.amounts":         STAFF_ONLY,
    "ParameterVersion.fundRatios":      STAFF_ONLY,
    "ParameterVersion.inUse":           STAFF_ONLY,
    "ParameterVersion.createdByName":   STAFF_ONLY,
    "ParameterVersion.createdAt":       STAFF_ONLY,

    "ParameterAmounts.insuranceType":   STAFF_ONLY,
    "ParameterAmounts.deductibleFen":   STAFF_ONLY,
    "ParameterAmounts.annualFundCapFen": STAFF_ONLY,
    "FundRatio.insuranceType":          STAFF_ONLY,
    "FundRatio.visitType":              STAFF_ONLY,
    "FundRatio.level":                  STAFF_ONLY,
    "FundRatio.ratioBp":                STAFF_ONLY,
}
