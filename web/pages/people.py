"""Staff: find an insured person, see their record, and (auditors, admins) what was done to it.

Every read here is itself written to the audit log by the graph's gate.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.principals import Channel
from web import labels
from web.operations import execute
from web.pages.access import staff_page
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


@staff_page
async def record(request: Request, principal) -> Response:
    data = await execute(request, principal, "console/people.graphql", channel=Channel.CONSOLE,
                         operation="PersonRecord", id=request.path_params["person_id"])
    if not data.get("node"):
        return render(request, "console/people.html", status_code=404, me=data["viewer"], q="", people=None,
                      labels=labels)
    return render(request, "console/person.html", me=data["viewer"], person=data["node"],
                  audit=data.get("auditEvents"), labels=labels)


routes = [
    Route("/console/people", search, methods=["GET"]),
    Route("/console/people/{person_id:str}", record, methods=["GET"]),
]
