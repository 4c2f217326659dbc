"""Auditors and admins: the HSA gateway's message log (/console/hsa-log), searched by msgid or institution
code, transaction number, failures only. What it shows was masked when it was logged."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.principals import Channel
from web import labels
from web.operations import execute
from web.pages.access import staff_page
from web.pages.admin_forms import Pages, page_number, page_window
from web.rendering import render

DOCUMENT = "console/hsa_log.graphql"
PAGE = "/console/hsa-log"


@staff_page
async def hsa_log(request: Request, principal) -> Response:
    params = request.query_params
    form = {"search": params.get("search", "").strip()[:40], "infno": params.get("infno", "").strip()[:6],
            "failed": params.get("failed") == "1"}
    number = page_number(params.get("page"))
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="HsaLog",
                         search=form["search"], infno=form["infno"], failedOnly=form["failed"], **page_window(number))
    log = data["hsaMessages"]
    query = {k: v for k, v in (("search", form["search"]), ("infno", form["infno"]),
                               ("failed", "1" if form["failed"] else "")) if v}

    def link(n: int) -> str:
        return f"{PAGE}?{urlencode({**query, 'page': n})}"

    return render(request, "console/hsa_log.html", status_code=200 if log is not None else 403, me=data["viewer"],
                  log=log, pages=Pages.of(log, number) if log else None, form=form, link=link, labels=labels)


routes = [Route(PAGE, hsa_log, methods=["GET"])]
