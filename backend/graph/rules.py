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
from backend.policy import Relation, relation, staff_may_decide_relationships
from backend.principals import PrincipalKind


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


def _by_relation(self_: Access, family: Access, other: Access = D):
    table = {Relation.SELF: self_, Relation.FAMILY: family, Relation.OTHER: other}

    def decide(ctx, root) -> Access:
        return table[relation(ctx.principal.id, _subjects(root)[0], ctx.family_ids)]

    return decide


def _party(ctx, root) -> Access:
    return V if ctx.principal.id in _subjects(root) else D


def _member(ctx, root) -> Access:
    return V if root.household_id in ctx.household_ids else D


def _own_institution(ctx, root) -> Access:
    return V if root.institution_id == ctx.principal.id else D


def _self_staff(ctx, root) -> Access:
    return V if root.staff_id == ctx.principal.id else D


def _relationship_decider(ctx, root) -> Access:
    return V if staff_may_decide_relationships(ctx.principal.role) else D


ALLOW = Rule("allow", lambda ctx, root: V)
DENY = Rule("deny", lambda ctx, root: D)
SELF = Rule("self", _by_relation(V, D))
SELF_OR_FAMILY = Rule("self or family", _by_relation(V, V))
ID_SELF_FAMILY_MASKED = Rule("self; family masked", _by_relation(V, M), mask=mask_id_number)
PHONE_SELF_FAMILY_MASKED = Rule("self; family masked", _by_relation(V, M), mask=mask_phone)
PARTY = Rule("a party to it", _party)
MEMBER = Rule("a member", _member)
OWN = Rule("own institution", _own_institution)
SELF_STAFF = Rule("own staff account", _self_staff)
AUDITED = Rule("visible, audited", lambda ctx, root: V, audited=True)
RELATIONSHIP_DECIDER = Rule("clerk or admin", _relationship_decider)

H, P, S, A = PrincipalKind.HOUSEHOLD, PrincipalKind.PARTNER, PrincipalKind.STAFF, PrincipalKind.ANONYMOUS
COLUMNS = (H, P, S, A)
_COLUMN = {kind: i for i, kind in enumerate(COLUMNS)}

# Wrappers that carry no personal data of their own: what they wrap is ruled where it is defined.
STRUCTURAL = (ALLOW, ALLOW, ALLOW, ALLOW)
PERSON_DATA = (SELF_OR_FAMILY, DENY, AUDITED, DENY)

#                                       household               partner  staff          anonymous
TABLE: dict[str, tuple[Rule, Rule, Rule, Rule]] = {
    "Query.viewer":                     (ALLOW,                  ALLOW,   ALLOW,         ALLOW),
    "Query.node":                       (ALLOW,                  ALLOW,   ALLOW,         DENY),
    "Query.people":                     (DENY,                   DENY,    ALLOW,         DENY),
    "Query.relationshipClaims":         (DENY,                   DENY,    ALLOW,         DENY),

    "Mutation.claimRelationship":       (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.verifyRelationship":      (DENY,                   DENY,    RELATIONSHIP_DECIDER, DENY),
    "Mutation.rejectRelationship":      (DENY,                   DENY,    RELATIONSHIP_DECIDER, DENY),
    "Mutation.createHousehold":         (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.renameHousehold":         (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.addHouseholdMember":      (ALLOW,                  DENY,    DENY,          DENY),
    "Mutation.removeHouseholdMember":   (ALLOW,                  DENY,    DENY,          DENY),

    "Person.id":                        PERSON_DATA,
    "Person.name":                      PERSON_DATA,
    "Person.idNumber":                  (ID_SELF_FAMILY_MASKED,  DENY,    AUDITED,       DENY),
    "Person.birthDate":                 PERSON_DATA,
    "Person.sex":                       PERSON_DATA,
    "Person.phone":                     (PHONE_SELF_FAMILY_MASKED, DENY,  AUDITED,       DENY),
    "Person.insurance":                 PERSON_DATA,
    "Person.personalAccount":           (SELF,                   DENY,    AUDITED,       DENY),
    "Person.family":                    (SELF,                   DENY,    AUDITED,       DENY),
    "Person.households":                (SELF,                   DENY,    AUDITED,       DENY),

    "Insurance.type":                   PERSON_DATA,
    "Insurance.regionCode":             PERSON_DATA,
    "Insurance.regionName":             PERSON_DATA,
    "Insurance.status":                 PERSON_DATA,

    "PersonalAccount.balanceFen":       (SELF,                   DENY,    AUDITED,       DENY),

    "Relationship.id":                  (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.person":              (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.relative":            (PARTY,                  DENY,    AUDITED,       DENY),
    "Relationship.kind":                (PARTY,                  DENY,    AUDITED,       DENY),
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
    "HouseholdPayload.household":       STRUCTURAL,
    "OperationError.code":              STRUCTURAL,
    "OperationError.message":           STRUCTURAL,
    "OperationError.field":             STRUCTURAL,
}


def rule_for(type_name: str, field_name: str, kind: PrincipalKind) -> Rule | None:
    row = TABLE.get(f"{type_name}.{field_name}")
    return row[_COLUMN[kind]] if row else None
