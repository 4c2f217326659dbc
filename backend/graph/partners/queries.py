"""Admins: the partner institutions and the staff users."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import strawberry
from strawberry.types import Info

from backend.graph.core import refs
from backend.services.admin import partners, staff


@strawberry.type
class PartnersQuery:
    @strawberry.field(description="Admins: every partner institution by name, disabled ones included.")
    async def institutions(self, info: Info) -> list[refs.Institution] | None:
        ctx = info.context
        records = await ctx.run(partners.list_partners, ctx.rt)
        for record in records:  # read with them, so `apiKeys` needs no further query
            ctx.loaders.api_keys_of.prime(record.institution.id, record.keys)
        return [refs.institution(record.institution) for record in records]

    @strawberry.field(description="Admins: every staff user by username, disabled ones included.")
    async def staff_users(self, info: Info) -> list[refs.StaffUser] | None:
        ctx = info.context
        return [refs.staff_user(row) for row in await ctx.run(staff.list_staff, ctx.rt)]
