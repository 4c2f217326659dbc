"""Field-level authorization: every field of the graph, for every kind of caller, in one table.

Each cell names a rule; a rule looks at the context and the object the field belongs to and says
VISIBLE, MASKED or DENIED. `backend.graph.gate.Gate` applies the table to every field resolution,
and `tests/graph/test_rules_cover_schema.py` fails when a field of the schema has no row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from backend.domain.idnumber import mask_id_number, mask_phone
from backend.policy import Relation, holder_may, relation, staff_may_decide_relationships
from backend.principals import PrincipalKind, StaffRole


class Access(Enum):
    VISIBLE = "visible"
    MASKED = "masked"
    DENIED = "denied"


@dataclass(frozen=True)
class Rule:
    name: str
    decide: Callable[[Any, Any], Access]  # (context, parent object) -> Access
    mask: Callable[[Any], Any] | None = None
    audited: bool = False  # a staff read of personal data: the gate records it for the audit log


V, M, D = Access.VISIBLE, Access.MASKED, Access.DENIED


def _subjects(root: Any) -> tuple:
    return root.subject_ids()


def _by_relation(self_: Access, family: Access, known: Access = D):
    table = {Relation.SELF: self_, Relation.FAMILY: family, Relation.KNOWN: known, Relation.OTHER: D}

    def decide(ctx, root) -> Access:
        return table[relation(ctx.principal.id, _subjects(root)[0], ctx.scope.family_ids, ctx.scope.known_ids)]

    return decide


def _self_or_holder(scope: str | None):
    """The person, or the holder of an active binding over them that grants this scope (R9)."""

    def decide(ctx, root) -> Access:
        subject = _subjects(root)[0]
        return V if subject == ctx.principal.id or holder_may(ctx.scope.held, subject, scope) else D

    return decide


def _party(ctx, root) -> Access:
    return V if ctx.principal.id in _subjects(root) else D


def _member(ctx, root) -> Access:
    return V if root.household_id in ctx.household_ids else D


def _own_institution(ctx, root) -> Access:
    return V if root.institution_id == ctx.principal.id else D


def _relationship_decider(ctx, root) -> Access:
    return V if staff_may_decide_relationships(ctx.principal.role) else D


def _grantor(ctx, root) -> Access:
    return V if root.row.grantor_id == ctx.principal.id else D


def _settlement_viewer(ctx, root) -> Access:
    """The subject, whoever showed the code, and holders the subject lets see their records."""
    row = root.row
    if ctx.principal.id in (row.subject_id, row.presenter_id):
        return V
    return V if holder_may(ctx.scope.held, row.subject_id, "view_account") else D


def _auditor(ctx, root) -> Access:
    return V if ctx.principal.role in (StaffRole.AUDITOR, StaffRole.ADMIN) else D


def _admin(ctx, root) -> Access:
    return V if ctx.principal.role == StaffRole.ADMIN else D


ALLOW = Rule("allow", lambda ctx, root: V)
DENY = Rule("deny", lambda ctx, root: D)
SELF = Rule("self", _by_relation(V, D))
SELF_OR_FAMILY = Rule("self or family", _by_relation(V, V))
NAMED = Rule("self, family, or a claimed relative", _by_relation(V, V, V))
ID_SELF_FAMILY_MASKED = Rule("self; relatives masked", _by_relation(V, M, M), mask=mask_id_number)
PHONE_SELF_FAMILY_MASKED = Rule("self; family masked", _by_relation(V, M), mask=mask_phone)
SELF_OR_HOLDER = Rule("self or binding holder", _self_or_holder(None))
SELF_OR_INSURANCE_HOLDER = Rule("self or holder with view_insurance", _self_or_holder("view_insurance"))
SELF_OR_ACCOUNT_HOLDER = Rule("self or holder with view_account", _self_or_holder("view_account"))
PARTY = Rule("a party to it", _party)
MEMBER = Rule("a member", _member)
OWN = Rule("own institution", _own_institution)
OWN_AUDITED = Rule("own institution, audited", _own_institution, audited=True)
AUDITED = Rule("visible, audited", lambda ctx, root: V, audited=True)
RELATIONSHIP_DECIDER = Rule("clerk or admin", _relationship_decider)
GRANTOR = Rule("the grantor", _grantor)
SETTLEMENT_VIEWER = Rule("subject, presenter, or holder with view_account", _settlement_viewer)
ADMIN = Rule("admin", _admin)
AUDITOR = Rule("auditor or admin", _auditor)

H, P, S, A = PrincipalKind.HOUSEHOLD, PrincipalKind.PARTNER, PrincipalKind.STAFF, PrincipalKind.ANONYMOUS
COLUMNS = (H, P, S, A)
_COLUMN = {kind: i for i, kind in enumerate(COLUMNS)}

# Wrappers that carry no personal data of their own: what they wrap is ruled where it is defined.
STRUCTURAL = (ALLOW, ALLOW, ALLOW, ALLOW)
PERSON_DATA = (SELF_OR_FAMILY, DENY, AUDITED, DENY)
GRANT_DATA = (PARTY, DENY, AUDITED, DENY)
SETTLEMENT_DATA = (SETTLEMENT_VIEWER, OWN, AUDITED, DENY)
# Who it was for and what they bought: a partner's read of personal data is audited too (R15).
SETTLEMENT_PERSONAL = (SETTLEMENT_VIEWER, OWN_AUDITED, AUDITED, DENY)
HOUSEHOLD_ONLY = (ALLOW, DENY, DENY, DENY)
PARTNER_ONLY = (DENY, ALLOW, DENY, DENY)
# What a Settlement's lines and parts carry is reached only through Settlement.lines, ruled above.
REACHED_THROUGH_SETTLEMENT = (ALLOW, ALLOW, ALLOW, DENY)

#                                       household               partner  staff          anonymous
TABLE: dict[str, tuple[Rule, Rule, Rule, Rule]] = {
    "Query.viewer":                     (ALLOW,                  ALLOW,   ALLOW,         ALLOW),
    "Query.node":                       (ALLOW,                  ALLOW,   ALLOW,         DENY),
    "Query.people":                     (DENY,                   DENY,    ALLOW,         DENY),
    "Query.relationshipClaims":         (DENY,                   DENY,    ALLOW,         DENY),
    "Query.resolveCode":                (DENY,                   ALLOW,   DENY,          DENY),
    "Query.shownCode":                  HOUSEHOLD_ONLY,
    "Query.auditEvents":                (DENY,                   DENY,    AUDITOR,       DENY),

    "Mutation.claimRelationship":       (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.withdrawClaim":           HOUSEHOLD_ONLY,
    "Mutation.verifyRelationship":      (DENY,                   DENY,    RELATIONSHIP_DECIDER, DENY),
    "Mutation.rejectRelationship":      (DENY,                   DENY,    RELATIONSHIP_DECIDER, DENY),
    "Mutation.createHousehold":         (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.renameHousehold":         (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.addHouseholdMember":      (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.removeHouseholdMember":   (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.activateVoucher":         (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.requestBinding":          (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.approveBinding":          (ALLOW,                  DENY,    RELATIONSHIP_DECIDER, DENY),
    "Mutation.declineBinding":          (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.endBinding":              (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.setBindingScopes":        (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.issueCode":               (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.setPolicyLimit":          (DENY,                   DENY,    ADMIN,         DENY),
    "Mutation.settle":                  PARTNER_ONLY,
    "Mutation.refundSettlement":        PARTNER_ONLY,
    "Mutation.reverseSettlement":       (DENY,                   DENY,    RELATIONSHIP_DECIDER, DENY),
    "Mutation.createGrant":             HOUSEHOLD_ONLY,
    "Mutation.revokeGrant":             HOUSEHOLD_ONLY,
    "Mutation.setGrantCap":             HOUSEHOLD_ONLY,
    "Mutation.setPayerOrder":           HOUSEHOLD_ONLY,
    "Mutation.payPremium":              HOUSEHOLD_ONLY,

    "Person.id":                        (NAMED,                  DENY,    AUDITED,       DENY),
    "Person.name":                      (NAMED,                  DENY,    AUDITED,       DENY),
    "Person.idNumber":                  (ID_SELF_FAMILY_MASKED,  DENY,    AUDITED,       DENY),
    "Person.birthDate":                 PERSON_DATA,
    "Person.sex":                       PERSON_DATA,
    "Person.phone":                     (PHONE_SELF_FAMILY_MASKED, DENY,  AUDITED,       DENY),
    "Person.insurance":                 PERSON_DATA,
    "Person.personalAccount":           (SELF_OR_ACCOUNT_HOLDER, DENY,    AUDITED,       DENY),
    "Person.voucher":                   (SELF_OR_HOLDER,         DENY,    AUDITED,       DENY),
    "Person.family":                    (SELF,                   DENY,    AUDITED,       DENY),
    "Person.households":                (SELF,                   DENY,    AUDITED,       DENY),
    "Person.heldBindings":              (SELF,                   DENY,    AUDITED,       DENY),
    "Person.subjectBindings":           (SELF,                   DENY,    AUDITED,       DENY),
    "Person.grantsGiven":               (SELF,                   DENY,    AUDITED,       DENY),
    "Person.grantsReceived":            (SELF,                   DENY,    AUDITED,       DENY),
    "Person.payerOrder":                (SELF_OR_HOLDER,         DENY,    AUDITED,       DENY),
    "Person.settlements":               (SELF_OR_ACCOUNT_HOLDER, DENY,    AUDITED,       DENY),
    "Person.ledger":                    (SELF_OR_ACCOUNT_HOLDER, DENY,    AUDITED,       DENY),

    "Insurance.type":                   PERSON_DATA,
    "Insurance.regionCode":             PERSON_DATA,
    "Insurance.regionName":             PERSON_DATA,
    "Insurance.status":                 (SELF_OR_INSURANCE_HOLDER, DENY,  AUDITED,       DENY),

    "PersonalAccount.balanceFen":       (SELF_OR_ACCOUNT_HOLDER, DENY,    AUDITED,       DENY),

    "Voucher.activated":                (SELF_OR_HOLDER,         DENY,    AUDITED,       DENY),
    "Voucher.activatedAt":              (SELF_OR_HOLDER,         DENY,    AUDITED,       DENY),

    "Binding.id":                       (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.holder":                   (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.subject":                  (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.status":                   (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.showCode":                 (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.viewInsurance":            (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.viewAccount":              (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.consentVia":               (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.scopesDecidedBy":          (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.requestedAt":              (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.decidedAt":                (PARTY,                  DENY,    AUDITED,       DENY),
    "Binding.endedAt":                  (PARTY,                  DENY,    AUDITED,       DENY),

    "IssuedCode.text":                  (ALLOW,                  DENY,    DENY,          DENY),
    "IssuedCode.expiresAt":             (ALLOW,                  DENY,    DENY,          DENY),
    "IssuedCode.ttlSeconds":            (ALLOW,                  DENY,    DENY,          DENY),
    "IssuedCode.qrSvg":                 (ALLOW,                  DENY,    DENY,          DENY),
    "IssuedCode.subject":               (ALLOW,                  DENY,    DENY,          DENY),
    "IssuedCode.presenter":             (ALLOW,                  DENY,    DENY,          DENY),

    # A partner sees only what the code it scanned shows: no Person, masked names.
    "ResolvedCode.subject":             (DENY,                   ALLOW,   DENY,          DENY),
    "ResolvedCode.presentedBy":         (DENY,                   ALLOW,   DENY,          DENY),
    "ResolvedCode.expiresAt":           (DENY,                   ALLOW,   DENY,          DENY),
    "CodeSubject.maskedName":           (DENY,                   ALLOW,   DENY,          DENY),
    "CodeSubject.insuranceType":        (DENY,                   ALLOW,   DENY,          DENY),
    "CodeSubject.regionCode":           (DENY,                   ALLOW,   DENY,          DENY),
    "CodeSubject.regionName":           (DENY,                   ALLOW,   DENY,          DENY),
    "CodeSubject.insuranceActive":      (DENY,                   ALLOW,   DENY,          DENY),
    "CodePresenter.isSubject":          (DENY,                   ALLOW,   DENY,          DENY),
    "CodePresenter.maskedName":         (DENY,                   ALLOW,   DENY,          DENY),
    "CodePresenter.relationshipToSubject": (DENY,                ALLOW,   DENY,          DENY),

    "PolicyLimit.name":                 (DENY,                   DENY,    ALLOW,         DENY),
    "PolicyLimit.regionPrefix":         (DENY,                   DENY,    ALLOW,         DENY),
    "PolicyLimit.value":                (DENY,                   DENY,    ALLOW,         DENY),

    "Relationship.id":                  (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.person":              (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.relative":            (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.kind":                (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.claimedBy":           (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.status":              (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.claimedAt":           (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.decidedAt":           (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.decidedVia":          (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.rejectionReason":     (PARTY,                  DENY,    AUDITED,       DENY),

    "FamilyEdge.cursor":                STRUCTURAL,
    "FamilyEdge.node":                  STRUCTURAL,
    "FamilyEdge.kind":                  STRUCTURAL,
    "FamilyEdge.kindLabel":             STRUCTURAL,
    "FamilyEdge.relationship":          STRUCTURAL,

    "Household.id":                     (MEMBER,                 DENY,    ALLOW,         DENY),
    "Household.name":                   (MEMBER,                 DENY,    ALLOW,         DENY),
    "Household.createdAt":              (MEMBER,                 DENY,    ALLOW,         DENY),
    "Household.members":                (MEMBER,                 DENY,    ALLOW,         DENY),

    "Institution.id":                   (ALLOW,                  OWN,     ALLOW,         DENY),
    "Institution.name":                 (ALLOW,                  OWN,     ALLOW,         DENY),
    "Institution.kind":                 (ALLOW,                  OWN,     ALLOW,         DENY),
    "Institution.level":                (ALLOW,                  OWN,     ALLOW,         DENY),
    "Institution.regionCode":           (ALLOW,                  OWN,     ALLOW,         DENY),
    "Institution.regionName":           (ALLOW,                  OWN,     ALLOW,         DENY),
    "Institution.settlements":          (DENY,                   OWN,     ALLOW,         DENY),

    # A grantor sees a grantee's spending (usage), never their medical lines; a grantee sees what
    # each grant makes available, never the grantor's balance or records.
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
    "Grant.availableFen":               (GRANTOR,                DENY,    AUDITED,       DENY),
    "Grant.capLeftFen":                 GRANT_DATA,
    "Grant.canPayNow":                  GRANT_DATA,
    "Grant.usage":                      (GRANTOR,                DENY,    AUDITED,       DENY),

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
    "Settlement.billFen":               SETTLEMENT_DATA,
    "Settlement.fundFen":               SETTLEMENT_DATA,
    "Settlement.deductibleFen":         SETTLEMENT_DATA,
    "Settlement.copayFen":              SETTLEMENT_DATA,
    "Settlement.bSelfFirstFen":         SETTLEMENT_DATA,
    "Settlement.selfPayFen":            SETTLEMENT_DATA,
    "Settlement.nonMedicalFen":         SETTLEMENT_DATA,
    "Settlement.personalBurdenFen":     SETTLEMENT_DATA,
    "Settlement.ownAccountFen":         SETTLEMENT_DATA,
    "Settlement.mutualAid":             SETTLEMENT_PERSONAL,
    "Settlement.cashFen":               SETTLEMENT_DATA,
    "Settlement.payerOrder":            SETTLEMENT_DATA,
    "Settlement.cashOnly":              SETTLEMENT_DATA,
    "Settlement.status":                SETTLEMENT_DATA,
    "Settlement.createdAt":             SETTLEMENT_DATA,
    "Settlement.lines":                 SETTLEMENT_PERSONAL,

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
    "SettlementLine.cashFen":           REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.payments":          REACHED_THROUGH_SETTLEMENT,
    "SettlementLine.refunded":          REACHED_THROUGH_SETTLEMENT,
    "SettlementPaymentPart.pool":       REACHED_THROUGH_SETTLEMENT,
    "SettlementPaymentPart.amountFen":  REACHED_THROUGH_SETTLEMENT,
    "MutualAidPaid.grantId":            REACHED_THROUGH_SETTLEMENT,
    "MutualAidPaid.grantorMaskedName":  REACHED_THROUGH_SETTLEMENT,
    "MutualAidPaid.amountFen":          REACHED_THROUGH_SETTLEMENT,

    "AuditEvent.at":                    (DENY,                   DENY,    ALLOW,         DENY),
    "AuditEvent.actorKind":             (DENY,                   DENY,    ALLOW,         DENY),
    "AuditEvent.actorId":               (DENY,                   DENY,    ALLOW,         DENY),
    "AuditEvent.actingAs":              (DENY,                   DENY,    ALLOW,         DENY),
    "AuditEvent.action":                (DENY,                   DENY,    ALLOW,         DENY),
    "AuditEvent.channel":               (DENY,                   DENY,    ALLOW,         DENY),
    "AuditEvent.subject":               (DENY,                   DENY,    AUDITED,       DENY),
    "AuditEvent.detail":                (DENY,                   DENY,    AUDITED,       DENY),
    "AuditEventConnection.edges":       STRUCTURAL,
    "AuditEventConnection.pageInfo":    STRUCTURAL,
    "AuditEventConnection.totalCount":  STRUCTURAL,
    "AuditEventEdge.cursor":            STRUCTURAL,
    "AuditEventEdge.node":              STRUCTURAL,

    "StaffUser.id":                     (DENY,                   DENY,    ALLOW,         DENY),
    "StaffUser.username":               (DENY,                   DENY,    ALLOW,         DENY),
    "StaffUser.name":                   (DENY,                   DENY,    ALLOW,         DENY),
    "StaffUser.role":                   (DENY,                   DENY,    ALLOW,         DENY),

    "PersonConnection.edges":           STRUCTURAL,
    "PersonConnection.pageInfo":        STRUCTURAL,
    "PersonConnection.totalCount":      STRUCTURAL,
    "PersonEdge.cursor":                STRUCTURAL,
    "PersonEdge.node":                  STRUCTURAL,
    "FamilyConnection.edges":           STRUCTURAL,
    "FamilyConnection.pageInfo":        STRUCTURAL,
    "FamilyConnection.totalCount":      STRUCTURAL,
    "RelationshipConnection.edges":     STRUCTURAL,
    "RelationshipConnection.pageInfo":  STRUCTURAL,
    "RelationshipConnection.totalCount": STRUCTURAL,
    "RelationshipEdge.cursor":          STRUCTURAL,
    "RelationshipEdge.node":            STRUCTURAL,
    "HouseholdConnection.edges":        STRUCTURAL,
    "HouseholdConnection.pageInfo":     STRUCTURAL,
    "HouseholdConnection.totalCount":   STRUCTURAL,
    "HouseholdEdge.cursor":             STRUCTURAL,
    "HouseholdEdge.node":               STRUCTURAL,
    "PageInfo.hasNextPage":             STRUCTURAL,
    "PageInfo.hasPreviousPage":         STRUCTURAL,
    "PageInfo.startCursor":             STRUCTURAL,
    "PageInfo.endCursor":               STRUCTURAL,

    "RelationshipPayload.relationship": STRUCTURAL,
    "ClaimWithdrawn.relationshipId":    STRUCTURAL,
    "SettlementPayload.settlement":     STRUCTURAL,
    "GrantPayload.grant":               STRUCTURAL,
    "PayerOrderPayload.payerOrder":     STRUCTURAL,
    "PremiumPayload.premium":           STRUCTURAL,
    "PremiumPaid.year":                 STRUCTURAL,
    "PremiumPaid.amountFen":            STRUCTURAL,
    "PremiumPaid.paidAt":               STRUCTURAL,
    "PremiumPaid.grantee":              STRUCTURAL,
    "PayerOrder.pools":                 STRUCTURAL,
    "PayerOrder.cashOnly":              STRUCTURAL,
    "PayerPool.key":                    STRUCTURAL,
    "PayerPool.grant":                  STRUCTURAL,
    "ShownCode.status":                 STRUCTURAL,
    "ShownCode.settlement":             STRUCTURAL,
    "GrantUse.at":                      STRUCTURAL,
    "GrantUse.amountFen":               STRUCTURAL,
    "GrantUse.kind":                    STRUCTURAL,
    "GrantUse.institutionName":         STRUCTURAL,
    "GrantUse.refundedFen":             STRUCTURAL,
    "LedgerEntry.at":                   STRUCTURAL,
    "LedgerEntry.amountFen":            STRUCTURAL,
    "LedgerEntry.kind":                 STRUCTURAL,
    "GrantConnection.edges":            STRUCTURAL,
    "GrantConnection.pageInfo":         STRUCTURAL,
    "GrantConnection.totalCount":       STRUCTURAL,
    "GrantEdge.cursor":                 STRUCTURAL,
    "GrantEdge.node":                   STRUCTURAL,
    "GrantUseConnection.edges":         STRUCTURAL,
    "GrantUseConnection.pageInfo":      STRUCTURAL,
    "GrantUseConnection.totalCount":    STRUCTURAL,
    "GrantUseEdge.cursor":              STRUCTURAL,
    "GrantUseEdge.node":                STRUCTURAL,
    "SettlementConnection.edges":       STRUCTURAL,
    "SettlementConnection.pageInfo":    STRUCTURAL,
    "SettlementConnection.totalCount":  STRUCTURAL,
    "SettlementEdge.cursor":            STRUCTURAL,
    "SettlementEdge.node":              STRUCTURAL,
    "LedgerEntryConnection.edges":      STRUCTURAL,
    "LedgerEntryConnection.pageInfo":   STRUCTURAL,
    "LedgerEntryConnection.totalCount": STRUCTURAL,
    "LedgerEntryEdge.cursor":           STRUCTURAL,
    "LedgerEntryEdge.node":             STRUCTURAL,
    "HouseholdPayload.household":       STRUCTURAL,
    "VoucherPayload.voucher":           STRUCTURAL,
    "BindingPayload.binding":           STRUCTURAL,
    "IssuedCodePayload.issuedCode":     STRUCTURAL,
    "PolicyLimitPayload.limit":         STRUCTURAL,
    "BindingConnection.edges":          STRUCTURAL,
    "BindingConnection.pageInfo":       STRUCTURAL,
    "BindingConnection.totalCount":     STRUCTURAL,
    "BindingEdge.cursor":               STRUCTURAL,
    "BindingEdge.node":                 STRUCTURAL,
    "OperationError.code":              STRUCTURAL,
    "OperationError.message":           STRUCTURAL,
    "OperationError.field":             STRUCTURAL,
}


def rule_for(type_name: str, field_name: str, kind: PrincipalKind) -> Rule | None:
    row = TABLE.get(f"{type_name}.{field_name}")
    return row[_COLUMN[kind]] if row else None
