"""The yearly statement page (/statement): a person's personal burden in a year, printable."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.clock import CHINA
from web import labels
from web.operations import execute
from web.pages.access import household_page
from web.rendering import render

YEARS_OFFERED = 5  # this year and the four before: what a tax return or a family's records ask for


def _year(text: str | None, this_year: int) -> int:
    """The year asked for; anything that is not a year the graph could take becomes 0, which it refuses
    with a typed error shown beside the year field."""
    if not text:
        return this_year
    try:
        year = int(text)
    except ValueError:
        return 0
    return year if 0 < year < 10_000 else 0


def _whose(me: dict) -> list[dict]:
    """Me first, then everyone whose binding lets me see their account (a parent for a child)."""
    people = [{"id": me["id"], "name": me["name"], "self": True}]
    for edge in me["heldBindings"]["edges"]:
        binding = edge["node"]
        if binding["status"] == "ACTIVE" and binding["viewAccount"]:
            people.append({"id": binding["subject"]["id"], "name": binding["subject"]["name"], "self": False})
    return people


@household_page
async def statement_page(request: Request, principal) -> Response:
    this_year = request.app.state.rt.clock.now().astimezone(CHINA).year
    year = _year(request.query_params.get("year"), this_year)
    subject_id = request.query_params.get("subject") or ""
    if subject_id:
        data = await execute(request, principal, "statement/page.graphql", operation="TheirStatement", id=subject_id,
                             year=year)
        me, subject = data["viewer"], data["node"]
    else:
        data = await execute(request, principal, "statement/page.graphql", operation="MyStatement", year=year)
        me = subject = data["viewer"]
    people = _whose(me)
    statement = (subject or {}).get("statement")
    error = statement["message"] if statement and statement["__typename"] == "OperationError" else None
    return render(request, "statement/page.html", status_code=400 if error else 200, me=me, people=people,
                  subject=subject, statement=None if error else statement, error=error, year=year,
                  years=list(range(this_year, this_year - YEARS_OFFERED, -1)), labels=labels)


routes = [Route("/statement", statement_page, methods=["GET"])]
