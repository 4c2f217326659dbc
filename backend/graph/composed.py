"""Person and Institution, assembled from the fields each domain package contributes.

A domain package shows these types inside its own through `backend.graph.core.refs` and builds them with
`backend.graph.core.node.wrap`, so no package imports another.
"""

from __future__ import annotations

import strawberry

from backend.graph.core.node import register
from backend.graph.family.types import PersonFamilyFields
from backend.graph.family_account.types import PersonBindingFields
from backend.graph.mutual_aid.types import PersonMutualAidFields
from backend.graph.partners.types import InstitutionPartnerFields
from backend.graph.people.types import InstitutionFields, PersonFields
from backend.graph.preferences.types import PersonPreferencesFields
from backend.graph.settlement.types import InstitutionSettlementFields, PersonSettlementFields
from backend.graph.statement.types import PersonStatementFields


@register("person")
@strawberry.type(description="An insured person (参保人).")
class Person(PersonFields, PersonBindingFields, PersonMutualAidFields, PersonSettlementFields, PersonFamilyFields,
             PersonPreferencesFields, PersonStatementFields):
    pass


@register("institution")
@strawberry.type(description="A partner: designated hospital or pharmacy, or a third-party app.")
class Institution(InstitutionFields, InstitutionSettlementFields, InstitutionPartnerFields):
    pass
