"""Staff: find an insured person, see their record, and (auditors, admins) what was done to it.

Every read here is itself written to the audit log by the graph's gate.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.graph.core.pagination import cursor_at
from backend.principals import Channel
from web import labels
from web.operations import execute
from web.pages.access import staff_page
from web.pages.outcome import after_mutation
from web.rendering import render

PAGE_SIZE = 20
NARROW_ABOVE = 100  # more matches than this: the page suggests narrowing the search, and still pages


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1


@staff_page
async def search(request: Request, principal) -> Response:
    text = request.query_params.get("q", "").strip()
    number = _page_number(request.query_params.get("page", ""))
    data = {"viewer": None, "people": None}
    if text:
        after = cursor_at((number - 1) * PAGE_SIZE - 1) if number > 1 else None
        data = await execute(request, principal, "console/people.graphql", channel=Channel.CONSOLE,
                             operation="SearchPeople", q=text, first=PAGE_SIZE, after=after)
    else:
        data["viewer"] = (await execute(request, principal, "console/claims.graphql", channel=Channel.CONSOLE))["viewer"]
    people = data["people"]
    pages = -(-people["totalCount"] // PAGE_SIZE) if people else 0
    return render(request, "console/people.html", me=data["viewer"], q=text, people=people, labels=labels,
                  number=number, pages=pages, narrow=bool(people) and people["totalCount"] > NARROW_ABOVE,
                  query_string=lambda page: urlencode({"q": text, "page": page}))


async def _record(request: Request, principal, person_id: str, *, errors=None, partial=False,
                  status_code=200) -> Response:
    data = await execute(request, principal, "console/people.graphql", channel=Channel.CONSOLE,
                         operation="PersonRecord", id=person_id)
    if not data.get("node"):
        return render(request, "console/people.html", status_code=404, me=data["viewer"], q="", people=None,
                      labels=labels)
    return render(request, "console/person.html", status_code=status_code, me=data["viewer"], person=data["node"],
                  audit=data.get("auditEvents"), labels=labels, errors=errors or {})


@staff_page
async def record(request: Request, principal) -> Response:
    return await _record(request, principal, request.path_params["person_id"])


@staff_page
async def reverse(request: Request, principal) -> Response:
    """Clerks and admins reverse a settlement, giving a reason; the page shows the record again."""
    form = await request.form()
    person_id, settlement_id = str(form.get("personId", "")), str(form.get("settlementId", ""))
    data = await execute(request, principal, "console/people.graphql", channel=Channel.CONSOLE, operation="Reverse",
                         id=settlement_id, reason=str(form.get("reason", "")))
    return await after_mutation(request, data["reverseSettlement"],
                                rerender=partial(_record, request, principal, person_id),
                                back_to=f"/console/people/{person_id}", error_key=settlement_id)


routes = [
    Route("/console/people", search, methods=["GET"]),
    Route("/console/settlements/reverse", reverse, methods=["POST"]),
    Route("/console/people/{person_id:str}", record, methods=["GET"]),
]
