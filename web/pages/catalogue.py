"""Staff console, the insurer's catalogue (医保目录) and institutions' item mappings (目录对照), issue 23.

/console/catalogue: search the catalogue (a code's start or part of a name; the versions in force on a date),
import a catalogue file (clerks and admins; a dry run only checks it) and see the imports so far;
/console/catalogue/imports/{id}: one import and its problems by row and column; /console/catalogue/mappings:
mappings waiting for a decision (or any status), approved or rejected with a reason. Everything goes through
the graph: `catalogueEntries`, `catalogueImports`, `catalogueImport`, `importCatalogue`, `itemMappings`,
`decideItemMapping`.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backend.domain.errors import N_
from backend.i18n import gettext
from backend.principals import Channel
from backend.services.roster.roster import problem_csv_row, problems_csv_header
from web import labels
from web.operations import execute
from web.pages.access import staff_page
from web.pages.outcome import after_mutation, is_htmx
from web.rendering import render, request_locale

DOCUMENT = "catalogue/console.graphql"
PAGE = "/console/catalogue"
MAPPINGS = "/console/catalogue/mappings"

KINDS = {"DRUG": N_("Drug"), "SERVICE": N_("Medical service"), "CONSUMABLE": N_("Medical consumable")}
CLASSES = {"A": N_("Class A (甲类)"), "B": N_("Class B (乙类)"), "C": N_("Class C (丙类)")}
IMPORT_STATUS = {"INVALID": N_("Has problems"), "DRY_RUN": N_("Dry run"), "DONE": N_("Imported")}
MAPPING_STATUS = {"PENDING": N_("Waiting for a decision"), "APPROVED": N_("Approved"), "REJECTED": N_("Rejected"),
                  "SUPERSEDED": N_("Replaced")}
LABELS = dict(kinds=KINDS, classes=CLASSES, import_status=IMPORT_STATUS, mapping_status=MAPPING_STATUS)


async def _run(request: Request, principal, operation: str, **variables) -> dict:
    return await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation=operation, **variables)


def _on(text: str) -> str | None:
    try:
        return date.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


async def _page(request: Request, principal, *, errors=None, status_code: int = 200) -> Response:
    query = request.query_params
    search, on = query.get("q", "").strip()[:100], _on(query.get("on", ""))
    data = await _run(request, principal, "CataloguePage", search=search, on=on, after=query.get("after") or None)
    template = "catalogue/_entries.html" if is_htmx(request) and request.method == "GET" else "catalogue/console.html"
    return render(request, template, status_code=status_code, me=data["viewer"], entries=data["catalogueEntries"],
                  imports=data["catalogueImports"], search=search, on=on or "", errors=errors or {}, cat=LABELS, labels=labels)


@staff_page
async def catalogue_page(request: Request, principal) -> Response:
    return await _page(request, principal)


@staff_page
async def upload(request: Request, principal) -> Response:
    form = await request.form()
    file = form.get("file")
    status = 200 if is_htmx(request) else 400
    if not isinstance(file, UploadFile) or not file.filename:
        return await _page(request, principal, errors={"file": gettext(request_locale(request), "Required.")},
                           status_code=status)
    data = await _run(request, principal, "Import", file=file, encoding=str(form.get("encoding", "")).strip() or None,
                      dryRun=form.get("dryRun") == "on")
    result = data["importCatalogue"]
    if result["__typename"] == "OperationError":
        return await _page(request, principal, errors={result.get("field") or "file": result["message"]},
                           status_code=status)
    url = f"{PAGE}/imports/{result['catalogueImport']['id']}{'?again=1' if result['alreadyImported'] else ''}"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


@staff_page
async def import_page(request: Request, principal) -> Response:
    data = await _run(request, principal, "ImportDetail", id=request.path_params["id"])
    if data["catalogueImport"] is None:
        return await _page(request, principal, status_code=404)
    return render(request, "catalogue/import.html", me=data["viewer"], job=data["catalogueImport"], cat=LABELS, labels=labels,
                  again=request.query_params.get("again") == "1")


@staff_page
async def problems_csv(request: Request, principal) -> Response:
    """An import's stored problems, read through the graph, as a CSV download in the reader's language."""
    job = (await _run(request, principal, "ImportDetail", id=request.path_params["id"]))["catalogueImport"]
    if job is None:
        return Response(status_code=404)
    locale = request_locale(request)
    body = "\ufeff" + problems_csv_header(locale) + "".join(  # the mark: spreadsheets read the Chinese as UTF-8
        problem_csv_row(p["row"], p["header"], p["value"], p["code"], p["message"]) for p in job["problems"])
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="catalogue-problems.csv"'})


def _statuses(text: str) -> list[str] | None:
    return None if text == "ALL" else [text if text in MAPPING_STATUS else "PENDING"]


async def _mappings(request: Request, principal, *, errors=None, partial: bool = False,
                    status_code: int = 200) -> Response:
    chosen = request.query_params.get("status", "PENDING")
    search = request.query_params.get("q", "").strip()[:100]
    data = await _run(request, principal, "MappingsPage", status=_statuses(chosen), search=search)
    template = "catalogue/_mappings.html" if partial else "catalogue/mappings.html"
    return render(request, template, status_code=status_code, me=data["viewer"], mappings=data["itemMappings"],
                  chosen=chosen if chosen == "ALL" or chosen in MAPPING_STATUS else "PENDING", search=search,
                  errors=errors or {}, cat=LABELS, labels=labels)


@staff_page
async def mappings_page(request: Request, principal) -> Response:
    return await _mappings(request, principal, partial=is_htmx(request))


@staff_page
async def decide(request: Request, principal) -> Response:
    if request.path_params["decision"] not in ("approve", "reject"):
        return Response(status_code=404)
    form = await request.form()
    mapping_id = str(form.get("mappingId", ""))
    approve = request.path_params["decision"] == "approve"
    data = await _run(request, principal, "Decide", id=mapping_id, approve=approve,
                      reason=str(form.get("reason", "")).strip() or None)
    back = MAPPINGS + (f"?{request.url.query}" if request.url.query else "")
    return await after_mutation(request, data["decideItemMapping"], rerender=partial(_mappings, request, principal),
                                back_to=back, error_key=mapping_id)


routes = [
    Route(PAGE, catalogue_page, methods=["GET"]),
    Route(PAGE, upload, methods=["POST"]),
    Route(PAGE + "/imports/{id:str}", import_page, methods=["GET"]),
    Route(PAGE + "/imports/{id:str}/problems.csv", problems_csv, methods=["GET"]),
    Route(MAPPINGS, mappings_page, methods=["GET"]),
    Route(MAPPINGS + "/{decision:str}", decide, methods=["POST"]),
]
