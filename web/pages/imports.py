"""Staff console: roster imports. Admins upload a bureau's file (a plain form post works too), watch the job
(htmx polls its row: rows checked, then rows applied, of all), read the problems by row, by the file's own
column name and with their values (the stored ones as a CSV download in the reader's language), then
confirm or cancel. The same file again lands on its import with a notice (`?again=1`) that nothing changed.
Everything goes through the graph: `startRosterImport`, `rosterImport`, `confirmRosterImport`,
`cancelRosterImport`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from backend.domain.roster import COLUMN_TITLES
from backend.i18n import gettext
from backend.principals import Channel
from backend.services.roster import roster
from web import labels
from web.operations import execute
from web.pages.access import staff_page
from web.pages.outcome import is_htmx
from web.rendering import render, request_locale

UPLOAD_PATH = "/console/imports"
DOCUMENT = "console/imports.graphql"
RUNNING = ("PENDING", "VALIDATING", "APPLYING")


async def _run(request: Request, principal, operation: str, **variables) -> dict:
    return await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation=operation, **variables)


async def _list(request: Request, principal, *, errors=None, status_code=200) -> Response:
    data = await _run(request, principal, "ImportsPage")
    return render(request, "console/imports.html", status_code=status_code, me=data["viewer"],
                  imports=data["rosterImports"], labels=labels, errors=errors or {})


@staff_page
async def list_page(request: Request, principal) -> Response:
    return await _list(request, principal)


def _to(request: Request, url: str) -> Response:
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


@staff_page
async def upload(request: Request, principal) -> Response:
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await _list(request, principal, errors={"file": gettext(request_locale(request), "Required.")},
                           status_code=200 if is_htmx(request) else 400)
    encoding = str(form.get("encoding", "")).strip() or None
    data = await _run(request, principal, "Start", file=file, encoding=encoding)
    result = data["startRosterImport"]
    if result["__typename"] == "OperationError":
        return await _list(request, principal, errors={result.get("field") or "file": result["message"]},
                           status_code=200 if is_htmx(request) else 400)
    again = "?again=1" if result["alreadyImported"] else ""
    return _to(request, f"/console/imports/{result['rosterImport']['id']}{again}")


async def _detail(request: Request, principal, import_id: str, *, partial: bool = False, errors=None,
                  status_code: int = 200) -> Response:
    data = await _run(request, principal, "ImportDetail", id=import_id)
    job = data["rosterImport"]
    if job is None:
        return await _list(request, principal, status_code=404)
    template = "console/_import_status.html" if partial else "console/import.html"
    return render(request, template, status_code=status_code, me=data["viewer"], job=job, running=RUNNING,
                  labels=labels, errors=errors or {}, again=request.query_params.get("again") == "1",
                  stored_problems=roster.STORED_PROBLEMS, counted_problems=roster.COUNTED_PROBLEMS,
                  column_titles=COLUMN_TITLES)


@staff_page
async def detail(request: Request, principal) -> Response:
    return await _detail(request, principal, request.path_params["import_id"])


@staff_page
async def progress(request: Request, principal) -> Response:
    """The status section alone, for htmx polling; it polls again only while the job runs."""
    return await _detail(request, principal, request.path_params["import_id"], partial=True)


@staff_page
async def decide(request: Request, principal) -> Response:
    import_id = request.path_params["import_id"]
    operation = {"confirm": "Confirm", "cancel": "Cancel"}.get(request.path_params["decision"])
    if operation is None:
        return Response(status_code=404)
    result = next(iter((await _run(request, principal, operation, id=import_id)).values()))
    if result["__typename"] == "OperationError":
        return await _detail(request, principal, import_id, partial=is_htmx(request),
                             errors={"decision": result["message"]}, status_code=200 if is_htmx(request) else 400)
    if is_htmx(request):
        return await _detail(request, principal, import_id, partial=True)
    return RedirectResponse(f"/console/imports/{import_id}", status_code=303)


@staff_page
async def errors_csv(request: Request, principal) -> Response:
    """Every problem of an import, page by page through the graph, as one CSV download."""
    import_id = request.path_params["import_id"]

    async def rows() -> AsyncIterator[str]:
        yield roster.problems_csv_header(request_locale(request))
        after = None
        while True:
            job = (await _run(request, principal, "ErrorsPage", id=import_id, after=after))["rosterImport"]
            if job is None:
                break
            page = job["errors"]
            yield "".join(roster.problem_csv_row(e["row"], e["header"], e["value"], e["code"], e["message"])
                          for e in (edge["node"] for edge in page["edges"]))
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]

    # A byte-order mark, so spreadsheet programs read the Chinese messages as UTF-8.
    async def with_bom() -> AsyncIterator[str]:
        yield "\ufeff"
        async for chunk in rows():
            yield chunk

    return StreamingResponse(with_bom(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="roster-problems.csv"'})


routes = [
    Route(UPLOAD_PATH, list_page, methods=["GET"]),
    Route(UPLOAD_PATH, upload, methods=["POST"]),
    Route("/console/imports/{import_id:str}", detail, methods=["GET"]),
    Route("/console/imports/{import_id:str}/progress", progress, methods=["GET"]),
    Route("/console/imports/{import_id:str}/errors.csv", errors_csv, methods=["GET"]),
    Route("/console/imports/{import_id:str}/{decision:str}", decide, methods=["POST"]),
]
