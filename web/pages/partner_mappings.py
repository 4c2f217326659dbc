"""Partner sandbox, /partner/mappings: the institution's item mappings (目录对照) and their status, a mapping
submitted by hand or a file of them (all or nothing, problems by row), and the catalogue to find national
codes in. Through the graph as the signed-in institution: `itemMappings`, `catalogueEntries`,
`submitItemMappings`, `submitItemMappingFile`.
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backend.i18n import gettext
from web import labels
from web.operations import execute
from web.pages.access import partner_page
from web.pages.catalogue import LABELS
from web.pages.outcome import is_htmx
from web.rendering import render, request_locale

DOCUMENT = "catalogue/partner.graphql"
PAGE = "/partner/mappings"
FIELDS = ("itemCode", "nationalCode", "itemName")


async def _page(request: Request, principal, *, errors=None, values=None, problems=None, notice: str = "",
                status_code: int = 200) -> Response:
    search = request.query_params.get("q", "").strip()[:100]
    data = await execute(request, principal, DOCUMENT, operation="MappingsPage", search=search, status=None,
                         after=request.query_params.get("after") or None)
    return render(request, "catalogue/partner.html", status_code=status_code, me=data["viewer"],
                  mappings=data["itemMappings"], entries=data["catalogueEntries"], search=search, on="",
                  errors=errors or {}, values=values or {}, problems=problems or [], notice=notice, cat=LABELS,
                  labels=labels)


@partner_page
async def mappings_page(request: Request, principal) -> Response:
    notice = {"1": "submitted"}.get(request.query_params.get("done", ""), "")
    return await _page(request, principal, notice=notice)


def _refused(request: Request) -> int:
    return 200 if is_htmx(request) else 400


def _done(request: Request) -> Response:
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": PAGE + "?done=1"})
    return RedirectResponse(PAGE + "?done=1", status_code=303)


@partner_page
async def submit(request: Request, principal) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    data = await execute(request, principal, DOCUMENT, operation="Submit", itemCode=values["itemCode"],
                         nationalCode=values["nationalCode"], itemName=values["itemName"] or None)
    result = data["submitItemMappings"]
    if result["__typename"] == "OperationError":
        field = result.get("field") if result.get("field") in FIELDS else "itemCode"
        return await _page(request, principal, errors={field: result["message"]}, values=values,
                           status_code=_refused(request))
    return _done(request)


@partner_page
async def submit_file(request: Request, principal) -> Response:
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await _page(request, principal, errors={"file": gettext(request_locale(request), "Required.")},
                           status_code=_refused(request))
    data = await execute(request, principal, DOCUMENT, operation="SubmitFile", file=file,
                         encoding=str(form.get("encoding", "")).strip() or None)
    result = data["submitItemMappingFile"]
    if result["__typename"] == "OperationError":
        return await _page(request, principal, errors={"file": result["message"]}, status_code=_refused(request))
    if result["problems"]:
        return await _page(request, principal, problems=result["problems"], status_code=_refused(request))
    return _done(request)


routes = [
    Route(PAGE, mappings_page, methods=["GET"]),
    Route(PAGE, submit, methods=["POST"]),
    Route(PAGE + "/file", submit_file, methods=["POST"]),
]
