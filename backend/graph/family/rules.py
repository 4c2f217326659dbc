"""Who sees relationships, families and households, and who may change them."""

from backend.graph.core.rules import (
    ALLOW,
    AUDITED,
    CLERK_OR_ADMIN,
    DENY,
    HOUSEHOLD_ONLY,
    MEMBER,
    PARTY,
    REACHED_THROUGH_PARENT,
    SELF,
    STAFF_ONLY,
)

RELATIONSHIP_DATA = (PARTY, DENY, AUDITED, DENY)
HOUSEHOLD_DATA = (MEMBER, DENY, ALLOW, DENY)

#                                       household               partner  staff          anonymous
ROWS = {
    "Query.relationshipClaims":         STAFF_ONLY,

    "Mutation.claimRelationship":       HOUSEHOLD_ONLY,
    "Mutation.withdrawClaim":           HOUSEHOLD_ONLY,
    "Mutation.verifyRelationship":      (DENY,                   DENY,    CLERK_OR_ADMIN, DENY),
    "Mutation.rejectRelationship":      (DENY,                   DENY,    CLERK_OR_ADMIN, DENY),
    "Mutation.createHousehold":         HOUSEHOLD_ONLY,
    "Mutation.renameHousehold":         HOUSEHOLD_ONLY,
    "Mutation.addHouseholdMember":      HOUSEHOLD_ONLY,
    "Mutation.removeHouseholdMember":   HOUSEHOLD_ONLY,

    "Person.family":                    (SELF,                   DENY,    AUDITED,       DENY),
    "Person.households":                (SELF,                   DENY,    AUDITED,       DENY),

    "Relationship.id":                  RELATIONSHIP_DATA,
    "Relationship.person":              RELATIONSHIP_DATA,
    "Relationship.relative":            RELATIONSHIP_DATA,
    "Relationship.kind":                RELATIONSHIP_DATA,
    "Relationship.claimedBy":           RELATIONSHIP_DATA,
    "Relationship.status":              RELATIONSHIP_DATA,
    "Relationship.claimedAt":           RELATIONSHIP_DATA,
    "Relationship.decidedAt":           RELATIONSHIP_DATA,
    "Relationship.decidedVia":          RELATIONSHIP_DATA,
    "Relationship.rejectionReason":     RELATIONSHIP_DATA,

    "FamilyEdge.cursor":                REACHED_THROUGH_PARENT,
    "FamilyEdge.node":                  REACHED_THROUGH_PARENT,
    "FamilyEdge.kind":                  REACHED_THROUGH_PARENT,
    "FamilyEdge.kindLabel":             REACHED_THROUGH_PARENT,
    "FamilyEdge.relationship":          REACHED_THROUGH_PARENT,

    "Household.id":                     HOUSEHOLD_DATA,
    "Household.name":                   HOUSEHOLD_DATA,
    "Household.createdAt":              HOUSEHOLD_DATA,
    "Household.members":                HOUSEHOLD_DATA,
}
