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


@strawberry.type(description="The people a staff search finds, a page at a time.")
class PersonSearchConnection(Connection[refs.Person]):
    total_count_capped: bool = strawberry.field(
        description=f"More than {people_search.COUNT_CAP:,} match: totalCount stops there and no page is listed.")


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
                                  "mobile phone number, or part of a name; results by name. When more than "
                                  f"{people_search.COUNT_CAP:,} match, totalCountCapped is true and no page is "
                                  "listed: the search needs narrowing.")
    async def people(self, info: Info, search: str, first: int = 20,
                     after: str | None = None) -> PersonSearchConnection | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)
        query = classify(search)

        def run():
            with ctx.rt.db.read() as s:
                return people_search.search_people(s, query, offset, limit)

        found = await ctx.run(run) if query else people_search.Found([], 0, False)
        await ctx.run(_audit_search, ctx, search, found)
        page = connection([refs.person(r) for r in found.people], offset, found.total)
        return PersonSearchConnection(edges=page.edges, page_info=page.page_info, total_count=page.total_count,
                                      total_count_capped=found.capped)


def _audit_search(ctx, search: str, found: people_search.Found) -> None:
    results = f"{found.total}+" if found.capped else found.total
    ctx.rt.db.write(lambda s: audit.record(s, ctx.actor, "person.search", at=ctx.rt.clock.now(),
                                           query=search, results=results))
