"""Who is calling (`viewer`), and staff search for people."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.domain.search import classify
from backend.graph.core import refs
from backend.graph.core.loaders import now_or_later
from backend.graph.core.pagination import Connection, connection, requested_window
from backend.graph.people.types import StaffUser
from backend.principals import PrincipalKind
from backend.services.people import search as people_search
from backend.services.platform import audit

Viewer = Annotated[Union[refs.Person, refs.Institution, StaffUser], strawberry.union("Viewer")]


@strawberry.type
class PeopleQuery:
    @strawberry.field(description="The calling principal: a Person, an Institution or a StaffUser; null when signed out.")
    def viewer(self, info: Info) -> Viewer | None:
        principal = info.context.principal
        loaders = info.context.loaders
        if principal.kind is PrincipalKind.HOUSEHOLD:  # primed with the viewer's scope: answered at once
            return now_or_later(loaders.person, principal.id, refs.person)
        if principal.kind is PrincipalKind.PARTNER:
            return now_or_later(loaders.institution, principal.id, refs.institution)
        if principal.kind is PrincipalKind.STAFF:
            return now_or_later(loaders.staff, principal.id, lambda row: StaffUser(row=row))
        return None

    @strawberry.field(description="Staff: search people by a full ID number, its last 4 to 17 characters, a "
                                  "mobile phone number, or part of a name; results by name.")
    async def people(self, info: Info, search: str, first: int = 20,
                     after: str | None = None) -> Connection[refs.Person] | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)
        query = classify(search)

        def run():
            with ctx.rt.db.read() as s:
                return people_search.search_people(s, query, offset, limit)

        rows, total = await ctx.run(run) if query else ([], 0)
        await ctx.run(_audit_search, ctx, search, total)
        return connection([refs.person(r) for r in rows], offset, total)


def _audit_search(ctx, search: str, total: int) -> None:
    ctx.rt.db.write(lambda s: audit.record(s, ctx.actor, "person.search", at=ctx.rt.clock.now(),
                                           query=search, results=total))
