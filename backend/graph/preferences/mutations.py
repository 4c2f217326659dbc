"""Turn elderly mode on or off, for oneself."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.core.mutations import attempt
from backend.graph.preferences.types import Preferences, PreferencesPayload, PreferencesResult
from backend.services.people import preferences


@strawberry.input
class ElderlyModeInput:
    on: bool = strawberry.field(description="true: large print, high contrast and fewer words on every page.")


@strawberry.type
class PreferencesMutation:
    @strawberry.mutation(description="Turn your own elderly mode (适老化) on or off; it follows you to every device.")
    async def set_elderly_mode(self, info: Info, input: ElderlyModeInput) -> PreferencesResult:
        person_id = info.context.principal.id

        def work(rt, actor):
            return preferences.set_elderly_mode(rt, actor, input.on)

        return await attempt(info, work, lambda on: PreferencesPayload(
            preferences=Preferences(person_id=person_id, elderly_mode=on)))
