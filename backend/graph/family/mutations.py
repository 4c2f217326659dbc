"""Claim, withdraw, verify and reject relationships; create and change households."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.core.ids import key_of
from backend.graph.core.mutations import attempt
from backend.graph.family.types import (
    ClaimWithdrawn,
    Household,
    HouseholdPayload,
    HouseholdResult,
    Relationship,
    RelationshipPayload,
    RelationshipResult,
    VerificationMethodEnum,
    WithdrawClaimResult,
)
from backend.services.people import family


@strawberry.input
class ClaimRelationshipInput:
    id_number: str = strawberry.field(description="The relative's ID number.")
    name: str = strawberry.field(description="The relative's name, as on their ID card.")
    kind: str = strawberry.field(description="What the relative is to you: a Kinship value in lower case "
                                             "(spouse, parent, child, ...). Other kinds are refused (R1).")


@strawberry.input
class RelationshipInput:
    relationship_id: strawberry.ID


@strawberry.input
class VerifyRelationshipInput:
    relationship_id: strawberry.ID
    method: VerificationMethodEnum


@strawberry.input
class RejectRelationshipInput:
    relationship_id: strawberry.ID
    reason: str


@strawberry.input
class CreateHouseholdInput:
    name: str


@strawberry.input
class RenameHouseholdInput:
    household_id: strawberry.ID
    name: str


@strawberry.input
class HouseholdMemberInput:
    household_id: strawberry.ID
    person_id: strawberry.ID


def _relationship(row) -> RelationshipPayload:
    return RelationshipPayload(relationship=Relationship(row=row))


def _household(row) -> HouseholdPayload:
    return HouseholdPayload(household=Household(row=row))


def _relationship_key(input) -> object:
    return key_of(input.relationship_id, "Relationship", "relationshipId")


def _household_key(input) -> object:
    return key_of(input.household_id, "Household", "householdId")


@strawberry.type
class FamilyMutation:
    @strawberry.mutation(description="Say who a relative is to you; staff verify it before grants rely on it.")
    async def claim_relationship(self, info: Info, input: ClaimRelationshipInput) -> RelationshipResult:
        def work(rt, actor):
            return family.claim_relationship(rt, actor, id_number=input.id_number, name=input.name, kind=input.kind)
        return await attempt(info, work, _relationship)

    @strawberry.mutation(description="Take back a claim you made that no clerk has decided yet.")
    async def withdraw_claim(self, info: Info, input: RelationshipInput) -> WithdrawClaimResult:
        def work(rt, actor):
            return family.withdraw_claim(rt, actor, _relationship_key(input))
        return await attempt(info, work, lambda _: ClaimWithdrawn(relationship_id=input.relationship_id))

    @strawberry.mutation(description="Staff (clerk, admin): confirm a claimed relationship.")
    async def verify_relationship(self, info: Info, input: VerifyRelationshipInput) -> RelationshipResult:
        def work(rt, actor):
            return family.verify_relationship(rt, actor, _relationship_key(input), input.method.value)
        return await attempt(info, work, _relationship)

    @strawberry.mutation(description="Staff (clerk, admin): refuse a claimed relationship, with a reason.")
    async def reject_relationship(self, info: Info, input: RejectRelationshipInput) -> RelationshipResult:
        def work(rt, actor):
            return family.reject_relationship(rt, actor, _relationship_key(input), input.reason)
        return await attempt(info, work, _relationship)

    @strawberry.mutation
    async def create_household(self, info: Info, input: CreateHouseholdInput) -> HouseholdResult:
        def work(rt, actor):
            return family.create_household(rt, actor, input.name)
        return await attempt(info, work, _household)

    @strawberry.mutation
    async def rename_household(self, info: Info, input: RenameHouseholdInput) -> HouseholdResult:
        def work(rt, actor):
            return family.rename_household(rt, actor, _household_key(input), input.name)
        return await attempt(info, work, _household)

    @strawberry.mutation(description="Add a relative of yours to a household you are in.")
    async def add_household_member(self, info: Info, input: HouseholdMemberInput) -> HouseholdResult:
        def work(rt, actor):
            return family.add_household_member(rt, actor, _household_key(input),
                                               key_of(input.person_id, "Person", "personId"))
        return await attempt(info, work, _household)

    @strawberry.mutation(description="Any member may remove any member; the last one out ends the household.")
    async def remove_household_member(self, info: Info, input: HouseholdMemberInput) -> HouseholdResult:
        def work(rt, actor):
            return family.remove_household_member(rt, actor, _household_key(input),
                                                  key_of(input.person_id, "Person", "personId"))

        def still_mine(row) -> HouseholdPayload:
            return HouseholdPayload(household=Household(row=row) if row.id in info.context.household_ids else None)

        return await attempt(info, work, still_mine)
