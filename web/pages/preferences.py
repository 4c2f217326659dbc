"""The elderly-mode switch (适老化) on every household page: kept per person, back to the same page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from web.operations import execute
from web.pages.access import household_page


def back_to(path: str) -> str:
    """Only a path of this site: never another host (`//evil`, `/\\evil`) or a scheme."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or any(c in path for c in "\r\n"):
        return "/family"
    return path


@household_page
async def elderly(request: Request, principal) -> Response:
    form = await request.form()
    on = str(form.get("on", "")) == "1"
    await execute(request, principal, "preferences/elderly.graphql", operation="SetElderlyMode", on=on)
    return RedirectResponse(back_to(str(form.get("back", ""))), status_code=303)


routes = [Route("/preferences/elderly", elderly, methods=["POST"])]
