"""'My bills': the signed-in person's settlements, what each paid, and what refunds gave back (R13)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from web import labels
from web.operations import execute
from web.pages.access import household_page
from web.rendering import render


@household_page
async def settlements_page(request: Request, principal) -> Response:
    me = (await execute(request, principal, "settlements/page.graphql"))["viewer"]
    return render(request, "settlements/page.html", me=me, labels=labels)


routes = [Route("/settlements", settlements_page, methods=["GET"])]
