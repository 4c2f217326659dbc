"""Person.elderlyMode and the payload of setElderlyMode."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import uuid
from typing import Annotated, Union

import strawberry

from backend.graph.core.errors import OperationError
from backend.graph.core.wrappers import Wrapper
from backend.storage import models


@strawberry.type(description="A person's display preferences.")
class Preferences:
    person_id: strawberry.Private[uuid.UUID]
    elderly_mode: bool = strawberry.field(
        description="Elderly mode (适老化): large print, high contrast, large tap targets and fewer words.")

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.person_id,)


@strawberry.type
class PersonPreferencesFields:
    """Person.preferences."""

    row: strawberry.Private[models.Person]

    @strawberry.field(description="The person's own display preferences.")
    def preferences(self) -> Preferences | None:
        return Preferences(person_id=self.row.id, elderly_mode=bool(self.row.elderly_mode))


@strawberry.type
class PreferencesPayload(Wrapper):
    preferences: Preferences


PreferencesResult = Annotated[Union[PreferencesPayload, OperationError], strawberry.union("PreferencesResult")]
