"""Admins start a roster import from a file, then confirm or cancel it; the work runs as a background job."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from backend.graph.core.ids import key_of
from backend.graph.core.mutations import attempt
from backend.graph.roster.types import RosterImport, RosterImportPayload, RosterImportResult
from backend.services.roster import roster
from backend.services.roster.roster_jobs import JOBS, spool


@strawberry.input
class StartRosterImportInput:
    file: Upload = strawberry.field(description="The roster CSV (multipart request); format in docs/operations.md.")
    encoding: str | None = strawberry.field(default=None, description="utf-8 or gb18030; detected when omitted.")


@strawberry.input
class RosterImportInput:
    import_id: strawberry.ID


def _payload(row) -> RosterImportPayload:
    return RosterImportPayload(roster_import=RosterImport(row=row))


def _started(started: roster.Started) -> RosterImportPayload:
    return RosterImportPayload(roster_import=RosterImport(row=started.row), already_imported=not started.anew)


@strawberry.type
class RosterMutation:
    @strawberry.mutation(description="Admins: start validating a roster file. The same file again answers the "
                                     "import it already is (alreadyImported: nothing changed). Poll rosterImport "
                                     "until it is ready or invalid.")
    async def start_roster_import(self, info: Info, input: StartRosterImportInput) -> RosterImportResult:
        upload = input.file

        def work(rt, actor):
            path = spool(upload.file)
            try:
                started = roster.start(rt, actor, path, getattr(upload, "filename", None) or "roster.csv",
                                       input.encoding)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            if started.anew:
                JOBS.validate(rt, started.row.id, path)
            else:
                path.unlink(missing_ok=True)
            return started

        return await attempt(info, work, _started)

    @strawberry.mutation(description="Admins: apply a ready import, all or nothing, as a background job.")
    async def confirm_roster_import(self, info: Info, input: RosterImportInput) -> RosterImportResult:
        def work(rt, actor):
            row = roster.confirm(rt, actor, key_of(input.import_id, "RosterImport", "importId"))
            JOBS.apply(rt, actor, row.id)
            return row

        return await attempt(info, work, _payload)

    @strawberry.mutation(description="Admins: drop an import that has not been applied.")
    async def cancel_roster_import(self, info: Info, input: RosterImportInput) -> RosterImportResult:
        return await attempt(info, lambda rt, actor: roster.cancel(
            rt, actor, key_of(input.import_id, "RosterImport", "importId")), _payload)
