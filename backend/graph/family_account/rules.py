"""Who sees vouchers, bindings and codes, and who may bind, consent, end and issue."""

from backend.graph.core.rules import (
    ALLOW,
    AUDITED,
    CLERK_OR_ADMIN,
    DENY,
    HOUSEHOLD_ONLY,
    PARTNER_ONLY,
    PARTY,
    REACHED_THROUGH_PARENT,
    SELF,
    SELF_OR_HOLDER,
    VISIBLE,
    Rule,
)

BINDING_DATA = (PARTY, DENY, AUDITED, DENY)
VOUCHER_DATA = (SELF_OR_HOLDER, DENY, AUDITED, DENY)
# The voucher a guardian has just activated for a minor child, read back in the mutation's payload.
SELF_HOLDER_OR_ACTIVATING_GUARDIAN = Rule(
    "self or holder (or the guardian activating it)",
    lambda ctx, root: VISIBLE if getattr(root, "activated_by_guardian", False) else SELF_OR_HOLDER.decide(ctx, root))
VOUCHER_FIELD = (SELF_HOLDER_OR_ACTIVATING_GUARDIAN, DENY, AUDITED, DENY)
# What the code a household member just asked for says: only that member gets it back.
OWN_CODE = HOUSEHOLD_ONLY
# A partner sees only what the code it scanned shows: no Person, masked names.
SCANNED_CODE = PARTNER_ONLY

#                                       household               partner  staff          anonymous
ROWS = {
    "Query.resolveCode":                PARTNER_ONLY,
    "Query.shownCode":                  HOUSEHOLD_ONLY,

    "Mutation.activateVoucher":         HOUSEHOLD_ONLY,
    "Mutation.requestBinding":          HOUSEHOLD_ONLY,
    "Mutation.approveBinding":          (ALLOW,                  DENY,    CLERK_OR_ADMIN, DENY),
    "Mutation.declineBinding":          HOUSEHOLD_ONLY,
    "Mutation.endBinding":              HOUSEHOLD_ONLY,
    "Mutation.setBindingScopes":        HOUSEHOLD_ONLY,
    "Mutation.issueCode":               HOUSEHOLD_ONLY,

    "Person.voucher":                   VOUCHER_DATA,
    "Person.heldBindings":              (SELF,                   DENY,    AUDITED,       DENY),
    "Person.subjectBindings":           (SELF,                   DENY,    AUDITED,       DENY),
    "Person.wards":                     (SELF,                   DENY,    AUDITED,       DENY),

    "Ward.person":                      REACHED_THROUGH_PARENT,
    "Ward.voucherActivated":            REACHED_THROUGH_PARENT,

    "Voucher.activated":                VOUCHER_FIELD,
    "Voucher.activatedAt":              VOUCHER_FIELD,

    "Binding.id":                       BINDING_DATA,
    "Binding.holder":                   BINDING_DATA,
    "Binding.subject":                  BINDING_DATA,
    "Binding.status":                   BINDING_DATA,
    "Binding.showCode":                 BINDING_DATA,
    "Binding.viewInsurance":            BINDING_DATA,
    "Binding.viewAccount":              BINDING_DATA,
    "Binding.consentVia":               BINDING_DATA,
    "Binding.scopesDecidedBy":          BINDING_DATA,
    "Binding.requestedAt":              BINDING_DATA,
    "Binding.decidedAt":                BINDING_DATA,
    "Binding.endedAt":                  BINDING_DATA,

    "IssuedCode.text":                  OWN_CODE,
    "IssuedCode.expiresAt":             OWN_CODE,
    "IssuedCode.ttlSeconds":            OWN_CODE,
    "IssuedCode.qrSvg":                 OWN_CODE,
    "IssuedCode.subject":               OWN_CODE,
    "IssuedCode.presenter":             OWN_CODE,

    "ResolvedCode.subject":             SCANNED_CODE,
    "ResolvedCode.presentedBy":         SCANNED_CODE,
    "ResolvedCode.expiresAt":           SCANNED_CODE,
    "CodeSubject.maskedName":           SCANNED_CODE,
    "CodeSubject.personNumber":         SCANNED_CODE,
    "CodeSubject.insuranceType":        SCANNED_CODE,
    "CodeSubject.regionCode":           SCANNED_CODE,
    "CodeSubject.regionName":           SCANNED_CODE,
    "CodeSubject.insuranceActive":      SCANNED_CODE,
    "CodePresenter.isSubject":          SCANNED_CODE,
    "CodePresenter.maskedName":         SCANNED_CODE,
    "CodePresenter.relationshipToSubject": SCANNED_CODE,

    "ShownCode.status":                 REACHED_THROUGH_PARENT,
    "ShownCode.settlement":             REACHED_THROUGH_PARENT,
}
