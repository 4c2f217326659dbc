"""The catalogue for staff and partners, its imports for staff, item mappings (a partner's own only)."""

from __future__ import annotations

import datetime

import strawberry
from strawberry.types import Info

from backend.domain.catalogue import ItemClass, ItemKind, MappingStatus
from backend.graph.catalogue.types import CatalogueEntry, CatalogueImport, ItemMapping, ItemMappingStatus
from backend.graph.core.enums import ItemClassEnum, ItemKindEnum
from backend.graph.core.ids import from_global_id
from backend.graph.core.pagination import Connection, connection, requested_window
from backend.services.catalogue import imports, mappings
from backend.storage import models


@strawberry.type
class CatalogueQuery:
    @strawberry.field(description="Staff and partners: catalogue entries whose national code starts with `search` "
                                  "or whose name has it, by code; only the versions in force on `on` when given.")
    async def catalogue_entries(self, info: Info, search: str = "", on: datetime.date | None = None,
                                kind: ItemKindEnum | None = None, item_class: ItemClassEnum | None = None,
                                first: int = 50, after: str | None = None) -> Connection[CatalogueEntry] | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)

        def run():
            with ctx.rt.db.read() as s:
                return imports.search(s, search[:100], on=on, kind=ItemKind(kind).value if kind else None,
                                      item_class=ItemClass(item_class).value if item_class else None,
                                      offset=offset, limit=limit)

        rows, total = await ctx.run(run)
        return connection([CatalogueEntry(row=r) for r in rows], offset, total)

    @strawberry.field(description="Staff: catalogue imports, newest first.")
    async def catalogue_imports(self, info: Info, first: int = 20,
                                after: str | None = None) -> Connection[CatalogueImport] | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)

        def run():
            with ctx.rt.db.read() as s:
                return imports.imports(s, offset, limit)

        rows, total = await ctx.run(run)
        return connection([CatalogueImport(row=r) for r in rows], offset, total)

    @strawberry.field(description="Staff: one catalogue import, with its problems.")
    async def catalogue_import(self, info: Info, id: strawberry.ID) -> CatalogueImport | None:
        decoded = from_global_id(id, "CatalogueImport")
        if decoded is None:
            return None
        ctx = info.context

        def run():
            with ctx.rt.db.read() as s:
                return s.get(models.CatalogueImport, decoded[1])

        row = await ctx.run(run)
        return CatalogueImport(row=row) if row else None

    @strawberry.field(description="Item mappings, newest first: a partner's own; for staff every institution's, "
                                  "or one's (`institutionId`). Filter by status, and by `search` (the start of "
                                  "an item or national code, or part of the institution's item name).")
    async def item_mappings(self, info: Info, status: list[ItemMappingStatus] | None = None, search: str = "",
                            institution_id: strawberry.ID | None = None, first: int = 50,
                            after: str | None = None) -> Connection[ItemMapping] | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)
        principal = ctx.principal
        owner = None
        if principal.is_partner:
            owner = principal.id
        elif institution_id:
            decoded = from_global_id(institution_id, "Institution")
            if decoded is None:
                return connection([], offset, 0)
            owner = decoded[1]

        def run():
            with ctx.rt.db.read() as s:
                return mappings.mappings(s, institution_id=owner,
                                         statuses=[MappingStatus(x).value for x in status or []],
                                         search=search[:100], offset=offset, limit=limit)

        rows, total = await ctx.run(run)
        return connection([ItemMapping(row=r) for r in rows], offset, total)
