"""Catalogue entries, catalogue imports and their problems, institutions' item mappings."""

# No `from __future__ import annotations` here, like the other packages' types: Strawberry reads the hints.
import datetime
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.domain.catalogue import ItemClass, ItemKind, MappingStatus
from backend.domain.spreadsheet import RowError
from backend.graph.core import refs
from backend.graph.core.enums import ItemClassEnum, ItemKindEnum
from backend.graph.core.errors import OperationError
from backend.graph.core.ids import to_global_id
from backend.graph.core.loaders import now_or_later
from backend.graph.core.scalars import Fen
from backend.i18n import gettext
from backend.services.catalogue import imports
from backend.storage import models

CatalogueImportStatus = strawberry.enum(imports.Status, name="CatalogueImportStatus",
                                        description="invalid: the file has problems, nothing was written; "
                                                    "dry_run: checked only; done: applied.")
ItemMappingStatus = strawberry.enum(MappingStatus, name="ItemMappingStatus",
                                    description="pending until staff decide; approved (settlement uses it) or "
                                                "rejected (with a reason); superseded: replaced by a newer "
                                                "mapping of the same item code.")


@strawberry.type(description="One version of a catalogue item (医保目录): in force from validFrom to validTo "
                             "(inclusive; null: open). Versions of one national code never overlap.")
class CatalogueEntry:
    row: strawberry.Private[models.CatalogueEntry]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("CatalogueEntry", self.row.id)

    @strawberry.field(description="The national code (med_list_codg).")
    def national_code(self) -> str:
        return self.row.national_code

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def kind(self) -> ItemKindEnum:
        return ItemKind(self.row.kind)

    @strawberry.field
    def item_class(self) -> ItemClassEnum:
        return ItemClass(self.row.item_class)

    @strawberry.field(description="Class B only: the item's own self-pay-first share in basis points (1000 is "
                                  "10%); null: the region's parameter applies.")
    def b_self_first_bp(self) -> int | None:
        return self.row.b_self_first_bp

    @strawberry.field(description="The most the fund reckons per unit (限价); the part of a unit price above it is "
                                  "over-limit self-pay. Null: no cap.")
    def price_cap_fen(self) -> Fen | None:
        return self.row.price_cap_fen

    @strawberry.field
    def valid_from(self) -> datetime.date:
        return self.row.valid_from

    @strawberry.field
    def valid_to(self) -> datetime.date | None:
        return self.row.valid_to


@strawberry.type(description="One problem of a catalogue file: the row (1 is the header) and column it is in.")
class CatalogueImportProblem:
    problem: strawberry.Private[RowError]
    source: strawberry.Private[models.CatalogueImport]

    @strawberry.field
    def row(self) -> int:
        return self.problem.row

    @strawberry.field(description="The column (national_code, name, kind, class, b_self_first_percent, "
                                  "price_cap_yuan, valid_from, valid_to); empty for the whole row.")
    def column(self) -> str:
        return "class" if self.problem.column == "item_class" else self.problem.column

    @strawberry.field(description="The column as the file's header names it; for a column the file lacks, its "
                                  "usual name in the caller's language.")
    def header(self, info: Info) -> str:
        return imports.column_header(self.source, self.problem.column, info.context.locale)

    @strawberry.field(description="What the file had there (at most 100 characters).")
    def value(self) -> str | None:
        return self.problem.value

    @strawberry.field(description="A machine code, e.g. CLASS_UNKNOWN, DATE_FORMAT, VERSION_DIFFERS.")
    def code(self) -> str:
        return self.problem.code

    @strawberry.field(description="In the caller's language.")
    def message(self, info: Info) -> str:
        return gettext(info.context.locale, self.problem.message_id, **self.problem.params)


@strawberry.type(description="A catalogue file brought in by staff or the command line.")
class CatalogueImport:
    row: strawberry.Private[models.CatalogueImport]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("CatalogueImport", self.row.id)

    @strawberry.field
    def filename(self) -> str:
        return self.row.filename

    @strawberry.field(description="utf-8 or gb18030: as given, or as detected.")
    def encoding(self) -> str:
        return self.row.encoding

    @strawberry.field
    def status(self) -> CatalogueImportStatus:
        return imports.Status(self.row.status)

    @strawberry.field(description="Data rows in the file (comment lines, starting with #, not counted).")
    def total_rows(self) -> int:
        return self.row.total_rows

    @strawberry.field(description=f"Problems found (the first {imports.STORED_PROBLEMS} are kept: problems).")
    def error_count(self) -> int:
        return self.row.error_count

    @strawberry.field(description="Versions added (or, for a dry run, that would be).")
    def new_count(self) -> int:
        return self.row.new_count

    @strawberry.field(description="Rows the catalogue already had, exactly.")
    def unchanged_count(self) -> int:
        return self.row.unchanged_count

    @strawberry.field(description="Versions on file whose end date the file set or moved (a later version "
                                  "begins, or the file gives an end date).")
    def ended_count(self) -> int:
        return self.row.closed_count

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.row.created_at

    @strawberry.field(description="The staff user who imported it; null for the command line.")
    async def created_by_name(self, info: Info) -> str | None:
        if self.row.created_by is None:
            return None
        staff = await info.context.loaders.staff.load(self.row.created_by)
        return staff.name if staff else None

    @strawberry.field(description="The file's problems by row and column.")
    def problems(self) -> list[CatalogueImportProblem]:
        return [CatalogueImportProblem(problem=p, source=self.row) for p in imports.problems(self.row)]


@strawberry.type(description="An institution's item code mapped to a national code (目录对照). Settlement uses "
                             "only approved mappings: an item without one is paid in cash only (R18).")
class ItemMapping:
    row: strawberry.Private[models.ItemMapping]

    @property
    def institution_id(self):  # what the rule table's "own institution" compares
        return self.row.institution_id

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("ItemMapping", self.row.id)

    @strawberry.field(description="The institution's own item code (medins_list_codg), as its bills name it.")
    def item_code(self) -> str:
        return self.row.item_code

    @strawberry.field(description="The institution's own name for it, if given.")
    def item_name(self) -> str | None:
        return self.row.item_name

    @strawberry.field(description="The national code (med_list_codg) it is mapped to.")
    def national_code(self) -> str:
        return self.row.national_code

    @strawberry.field
    def status(self) -> ItemMappingStatus:
        return MappingStatus(self.row.status)

    @strawberry.field
    def submitted_at(self) -> datetime.datetime:
        return self.row.submitted_at

    @strawberry.field
    def decided_at(self) -> datetime.datetime | None:
        return self.row.decided_at

    @strawberry.field(description="Why staff rejected it (or a note with an approval).")
    def reason(self) -> str | None:
        return self.row.reason

    @strawberry.field(description="The catalogue entry in force today for the national code; null when none is.")
    def entry(self, info: Info) -> CatalogueEntry | None:
        return now_or_later(info.context.loaders.catalogue_entry_today, self.row.national_code,
                            lambda row: CatalogueEntry(row=row) if row else None)

    @strawberry.field(description="Staff: the institution that submitted it.")
    def institution(self, info: Info) -> refs.Institution | None:
        return now_or_later(info.context.loaders.institution, self.row.institution_id, refs.institution)


@strawberry.type(description="One problem of a mapping file: the row (1 is the header) and column it is in.")
class ItemMappingProblem:
    problem: strawberry.Private[RowError]

    @strawberry.field
    def row(self) -> int:
        return self.problem.row

    @strawberry.field(description="item_code, national_code or item_name; empty for the whole row.")
    def column(self) -> str:
        return self.problem.column

    @strawberry.field(description="What the file had there (at most 100 characters).")
    def value(self) -> str | None:
        return self.problem.value

    @strawberry.field(description="A machine code, e.g. CODE_UNKNOWN, DUPLICATE_ITEM, REQUIRED.")
    def code(self) -> str:
        return self.problem.code

    @strawberry.field(description="In the caller's language.")
    def message(self, info: Info) -> str:
        return gettext(info.context.locale, self.problem.message_id, **self.problem.params)


@strawberry.type(description="What importCatalogue did: the import, and whether the file was imported already.")
class CatalogueImportPayload:
    catalogue_import: CatalogueImport
    already_imported: bool = strawberry.field(
        default=False, description="This file was imported before: nothing changed; catalogueImport is that import.")


@strawberry.type(description="The mappings a submission left (pending, or the live ones they already were); for a "
                             "file with problems, no mappings and the problems (nothing was written).")
class ItemMappingsPayload:
    mappings: list[ItemMapping]
    problems: list[ItemMappingProblem] = strawberry.field(default_factory=list)


@strawberry.type(description="The mapping as decided.")
class ItemMappingPayload:
    mapping: ItemMapping


CatalogueImportResult = Annotated[Union[CatalogueImportPayload, OperationError],
                                  strawberry.union("CatalogueImportResult")]
ItemMappingsResult = Annotated[Union[ItemMappingsPayload, OperationError], strawberry.union("ItemMappingsResult")]
ItemMappingResult = Annotated[Union[ItemMappingPayload, OperationError], strawberry.union("ItemMappingResult")]
