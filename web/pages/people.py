"""Staff: find an insured person, see their record, and (auditors, admins) what was done to it.

Every read here is itself written to the audit log by the graph's gate.
"""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.principals import Channel
from web import labels
from web.operations import execute
from web.pages.access import staff_page
from web.pages.outcome import after_mutation
from web.rendering import render


@staff_page
async def search(request: Request, principal) -> Response:
    text = request.query_params.get("q", "").strip()
    data = {"viewer": None, "people": None}
    if text:
        data = await execute(request, principal, "console/people.graphql", channel=Channel.CONSOLE,
                             operation="SearchPeople", q=text)
    else:
        data["viewer"] = (await execute(request, principal, "console/claims.graphql", channel=Channel.CONSOLE))["viewer"]
    return render(request, "console/people.html", me=data["viewer"], q=text, people=data["people"], labels=labels)


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
