"""A roster import job and the problems its file has."""

# No `from __future__ import annotations` here, like the other packages' types: Strawberry reads the hints.
import datetime
import json
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.domain.errors import DomainError
from backend.graph.core.errors import OperationError, bad_request
from backend.graph.core.ids import to_global_id
from backend.graph.core.pagination import Connection, connection, window
from backend.graph.core.scalars import Fen
from backend.i18n import gettext
from backend.services.roster import roster
from backend.storage import models

RosterImportStatus = strawberry.enum(roster.Status, name="RosterImportStatus",
                                     description="pending -> validating -> invalid | ready -> applying -> done | failed; "
                                                 "or cancelled; dry_run: a command-line dry run that ended when "
                                                 "checked; interrupted: its process stopped mid-way.")


@strawberry.type(description="One problem of a roster file: the row (1 is the header) and column it is in.")
class RosterImportError:
    row_: strawberry.Private[models.RosterImportError]
    header_names: strawberry.Private[dict[str, str]]

    @strawberry.field
    def row(self) -> int:
        return self.row_.row_no

    @strawberry.field(description="The file's column (id_number, name, phone, insurance_type, region_code, status, "
                                  "balance_yuan); empty for the whole row.")
    def column(self) -> str:
        return self.row_.column

    @strawberry.field(description="The column as the file's header names it (身份证号, 电话...); for a column "
                                  "the file lacks, its usual name in the caller's language; empty for the whole "
                                  "row.")
    def header(self, info: Info) -> str:
        return roster.column_header(self.header_names, self.row_.column, info.context.locale)

    @strawberry.field(description="What the file had there (at most 100 characters); null when nothing.")
    def value(self) -> str | None:
        return self.row_.value

    @strawberry.field(description="A machine code: an ErrorCode of the ID number's checks, or a roster problem.")
    def code(self) -> str:
        return self.row_.code

    @strawberry.field(description="In the caller's language.")
    def message(self, info: Info) -> str:
        return gettext(info.context.locale, self.row_.message_id, **json.loads(self.row_.params))


@strawberry.type(description="A roster import: a job row whose status and counts move while it runs.")
class RosterImport:
    row: strawberry.Private[models.RosterImport]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("RosterImport", self.row.id)

    @strawberry.field
    def filename(self) -> str:
        return self.row.filename

    @strawberry.field(description="utf-8 or gb18030: as given, or as detected.")
    def encoding(self) -> str:
        return self.row.encoding

    @strawberry.field
    def status(self) -> RosterImportStatus:
        return roster.Status(self.row.status)

    @strawberry.field(description="Data rows in the file: counted before validation reads it (about: a field "
                                  "spanning lines counts twice), exact once validation has read it all.")
    def total_rows(self) -> int:
        return self.row.total_rows

    @strawberry.field(description="Rows validated so far: the progress of a running validation.")
    def rows_processed(self) -> int:
        return self.row.rows_processed

    @strawberry.field(description="Rows applied so far while it is applying (one transaction: known only to the "
                                  "process applying it; null elsewhere, and in any other state).")
    def rows_applied(self) -> int | None:
        return roster.applied_rows(self.row.id) if self.row.status == roster.Status.APPLYING else None

    @strawberry.field(description="Columns of the file read under another name (a synonym, such as 电话 for "
                                  "phone): the file's header text and the column it was read as.")
    def renamed_columns(self) -> list["RenamedColumn"]:
        _, synonyms = roster.header_of(self.row)
        return [RenamedColumn(header=text, column=column) for column, text in synonyms.items()]

    @strawberry.field(description=f"Problems found: all of them, though only the first {roster.STORED_PROBLEMS} "
                                  f"are kept (errors); at {roster.COUNTED_PROBLEMS:,} checking stops (totalRows then "
                                  "says after how many rows).")
    def error_count(self) -> int:
        return self.row.error_count

    @strawberry.field(description="People not on file yet: created when applied.")
    def new_count(self) -> int:
        return self.row.new_count

    @strawberry.field(description="People on file whose row differs from the last roster's: updated when applied.")
    def changed_count(self) -> int:
        return self.row.changed_count

    @strawberry.field(description="Rows the last roster already carried: nothing to do.")
    def unchanged_count(self) -> int:
        return self.row.unchanged_count

    @strawberry.field(description="Personal accounts moved by a roster_adjustment ledger transaction.")
    def adjusted_count(self) -> int:
        return self.row.adjusted_count

    @strawberry.field(description="What the adjustments added up to (negative: taken off).")
    def adjusted_net_fen(self) -> Fen:
        return self.row.adjusted_net_fen

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.row.created_at

    @strawberry.field
    def finished_at(self) -> datetime.datetime | None:
        return self.row.finished_at

    @strawberry.field(description="Why a failed import failed.")
    def error_message(self) -> str | None:
        return self.row.error_message

    @strawberry.field(description="The staff user who started it; null when started from the command line.")
    async def created_by_name(self, info: Info) -> str | None:
        if self.row.created_by is None:
            return None
        staff = await info.context.loaders.staff.load(self.row.created_by)
        return staff.name if staff else None

    @strawberry.field(description=f"The file's problems by row and column, at most {roster.SHOWN_ERRORS} a page: "
                                  f"the first {roster.STORED_PROBLEMS} are kept (errorCount counts them all); "
                                  "as CSV from the console's download.")
    async def errors(self, info: Info, first: int = roster.SHOWN_ERRORS,
                     after: str | None = None) -> Connection[RosterImportError]:
        ctx = info.context
        try:  # a page of problems may be larger than other pages: the console shows the first 200 at once
            offset, limit = window(first, after, roster.SHOWN_ERRORS)
        except DomainError as error:
            raise bad_request(error, ctx.locale) from None

        def run():
            with ctx.rt.db.read() as s:
                return roster.errors(s, self.row.id, offset, limit)

        rows = await ctx.run(run)
        names, _ = roster.header_of(self.row)
        return connection([RosterImportError(row_=r, header_names=names) for r in rows], offset,
                          min(self.row.error_count, roster.STORED_PROBLEMS))


@strawberry.type(description="A column of a roster file read under another name than its usual one.")
class RenamedColumn:
    header: str = strawberry.field(description="The file's header text, e.g. 电话.")
    column: str = strawberry.field(description="The column it was read as: id_number, name, phone, "
                                               "insurance_type, region_code, status or balance_yuan.")


@strawberry.type(description="What a roster mutation did: the import, and whether the file was one already.")
class RosterImportPayload:  # not a Wrapper: alreadyImported is data of its own, ruled like the import's fields
    roster_import: RosterImport
    already_imported: bool = strawberry.field(
        default=False, description="The file was imported already (or is being checked or imported): nothing "
                                   "changed; rosterImport is that import, with when and by whom.")


RosterImportResult = Annotated[Union[RosterImportPayload, OperationError], strawberry.union("RosterImportResult")]
