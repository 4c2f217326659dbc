"""Staff import the catalogue and decide mappings; partners submit their mappings, one by one or as a file."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from backend.graph.catalogue.types import (
    CatalogueImport,
    CatalogueImportPayload,
    CatalogueImportResult,
    ItemMapping,
    ItemMappingPayload,
    ItemMappingProblem,
    ItemMappingResult,
    ItemMappingsPayload,
    ItemMappingsResult,
)
from backend.graph.core.ids import key_of
from backend.graph.core.mutations import attempt
from backend.services.catalogue import imports, mappings
from backend.services.roster.roster_jobs import spool


@strawberry.input
class ImportCatalogueInput:
    file: Upload = strawberry.field(description="The catalogue CSV (multipart request); its format in "
                                                "docs/guide/staff-catalogue.md.")
    encoding: str | None = strawberry.field(default=None, description="utf-8 or gb18030; detected when omitted.")
    dry_run: bool = strawberry.field(default=False, description="Check and report only.")


@strawberry.input
class ItemMappingInput:
    item_code: str = strawberry.field(description="Your item code, as your bills name it (1-40 characters).")
    national_code: str = strawberry.field(description="The catalogue's national code it is.")
    item_name: str | None = strawberry.field(default=None, description="Your name for it (at most 100 characters).")


@strawberry.input
class SubmitItemMappingsInput:
    mappings: list[ItemMappingInput] = strawberry.field(description=f"At most {mappings.MAX_SUBMISSION:,}; an "
                                                                    "item code once.")


@strawberry.input
class SubmitItemMappingFileInput:
    file: Upload = strawberry.field(description="CSV with the columns item_code, national_code and (optional) "
                                                "item_name (multipart request).")
    encoding: str | None = strawberry.field(default=None, description="utf-8 or gb18030; detected when omitted.")


@strawberry.input
class DecideItemMappingInput:
    mapping_id: strawberry.ID
    approve: bool
    reason: str | None = strawberry.field(default=None, description="Required to reject (at most 200 characters).")


def _spooled(upload: Upload, use):
    path = spool(upload.file)
    try:
        return use(path)
    finally:
        path.unlink(missing_ok=True)


def _mappings(result) -> ItemMappingsPayload:
    rows, problems = result
    return ItemMappingsPayload(mappings=[ItemMapping(row=r) for r in rows],
                               problems=[ItemMappingProblem(problem=p) for p in problems])


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation(description="Clerks and admins: check a catalogue file whole and apply it all or nothing "
                                     "(or only check it: dryRun). The same file again answers the import it "
                                     "already is (alreadyImported: nothing changed).")
    async def import_catalogue(self, info: Info, input: ImportCatalogueInput) -> CatalogueImportResult:
        upload = input.file
        name = getattr(upload, "filename", None) or "catalogue.csv"

        def work(rt, actor):
            return _spooled(upload, lambda path: imports.import_file(rt, actor, path, name, encoding=input.encoding,
                                                                     dry_run=input.dry_run))

        return await attempt(info, work, lambda done: CatalogueImportPayload(
            catalogue_import=CatalogueImport(row=done.row), already_imported=not done.anew))

    @strawberry.mutation(description="Partners: submit mappings of your item codes to national codes, all or "
                                     "nothing; each is pending until staff decide. The same mapping again changes "
                                     "nothing.")
    async def submit_item_mappings(self, info: Info, input: SubmitItemMappingsInput) -> ItemMappingsResult:
        items = [mappings.Submission(m.item_code, m.national_code, m.item_name) for m in input.mappings]
        return await attempt(info, lambda rt, actor: (mappings.submit(rt, actor, items), []), _mappings)

    @strawberry.mutation(description="Partners: submit mappings as a CSV file, all or nothing: the file's problems "
                                     "by row and column come back in `problems` and nothing is written.")
    async def submit_item_mapping_file(self, info: Info, input: SubmitItemMappingFileInput) -> ItemMappingsResult:
        upload = input.file

        def work(rt, actor):
            return _spooled(upload, lambda path: mappings.submit_file(rt, actor, path, input.encoding))

        return await attempt(info, work, _mappings)

    @strawberry.mutation(description="Clerks and admins: approve or reject a pending mapping (a rejection needs a "
                                     "reason). Approving replaces the item code's approved mapping, if any.")
    async def decide_item_mapping(self, info: Info, input: DecideItemMappingInput) -> ItemMappingResult:
        return await attempt(info, lambda rt, actor: mappings.decide(
            rt, actor, key_of(input.mapping_id, "ItemMapping", "mappingId"), approve=input.approve,
            reason=input.reason), lambda row: ItemMappingPayload(mapping=ItemMapping(row=row)))
