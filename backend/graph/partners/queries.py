"""Admins: the partner institutions and the staff users."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import strawberry
from strawberry.types import Info

from backend.graph.core import refs
from backend.graph.core.pagination import Connection, connection, requested_window
from backend.services.admin import partners, staff


@strawberry.type
class PartnersQuery:
    @strawberry.field(description="Admins: the partner institutions by name, disabled ones included, page by page.")
    async def institutions(self, info: Info, first: int = 20,
                           after: str | None = None) -> Connection[refs.Institution] | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)
        records, total = await ctx.run(partners.list_partners, ctx.rt, offset, limit)
        for record in records:  # read with them, so `apiKeys` needs no further query
            ctx.loaders.api_keys_of.prime(record.institution.id, record.keys)
        return connection([refs.institution(record.institution) for record in records], offset, total)

    @strawberry.field(description="Admins: the staff users by username, disabled ones included, page by page.")
    async def staff_users(self, info: Info, first: int = 20,
                          after: str | None = None) -> Connection[refs.StaffUser] | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)
        rows, total = await ctx.run(staff.list_staff, ctx.rt, offset, limit)
        return connection([refs.staff_user(row) for row in rows], offset, total)
