"""'My code' (医保码): show my code or a bound relative's, refreshed before it expires."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from web import labels
from web.operations import execute
from web.pages.access import household_page
from web.pages.outcome import is_htmx
from web.rendering import render


def refresh_after(ttl_seconds: int) -> int:
    """Ask for the next code a little before this one dies (10 s early for the default 60 s)."""
    return max(1, ttl_seconds - max(1, min(10, ttl_seconds // 3)))


def _people(me: dict) -> list[dict]:
    """Me first, then everyone whose code I may show now."""
    people = [{"id": me["id"], "name": me["name"], "activated": me["voucher"]["activated"], "self": True}]
    for edge in me["heldBindings"]["edges"]:
        binding = edge["node"]
        if binding["status"] == "ACTIVE":
            subject = binding["subject"]
            people.append({"id": subject["id"], "name": subject["name"],
                           "activated": bool(subject["voucher"] and subject["voucher"]["activated"]), "self": False})
    return people


def next_person(people: list[dict], chosen: dict) -> dict | None:
    """Elderly mode's one "switch person" button: the next one whose code can be shown, round the list."""
    at = people.index(chosen)
    return next((p for p in people[at + 1:] + people[:at] if p["activated"]), None)


def payer_override(payer: str, saved: list[str]) -> dict:
    """The issueCode variables for a choice on the page: default order, cash only, or one pool first."""
    if payer == "cash":
        return {"cashOnly": True}
    if payer and payer != "default":
        return {"pools": [payer] + [key for key in saved if key != payer]}
    return {}


async def _issue(request: Request, principal, subject_id: str, payer: str = "default",
                 saved: list[str] | None = None) -> tuple[dict | None, str | None]:
    data = await execute(request, principal, "codes/issue.graphql", operation="IssueCode", subjectId=subject_id,
                         **payer_override(payer, saved or []))
    result = data["issueCode"]
    if result["__typename"] == "OperationError":
        return None, result["message"]
    return result["issuedCode"], None


@household_page
async def codes_page(request: Request, principal) -> Response:
    return await _page(request, principal, request.query_params.get("subject"))


async def _page(request: Request, principal, subject_id: str | None, status_code: int = 200) -> Response:
    me = (await execute(request, principal, "codes/page.graphql"))["viewer"]
    people = _people(me)
    chosen = next((p for p in people if p["id"] == subject_id), people[0])
    code, error = (None, None)
    if chosen["activated"]:
        code, error = await _issue(request, principal, chosen["id"])
    return render(request, "codes/page.html", status_code=status_code, me=me, people=people, chosen=chosen,
                  next_person=next_person(people, chosen), code=code, error=error, refresh_after=refresh_after,
                  payer="default", labels=labels)


@household_page
async def issue(request: Request, principal) -> Response:
    """htmx: the code panel for one person, which asks for its own replacement before expiry."""
    form = await request.form()
    subject_id, payer = str(form.get("subject", "")), str(form.get("payer", "default"))
    if not is_htmx(request):
        return RedirectResponse(f"/codes?subject={subject_id}", status_code=303)
    saved = [p["key"] for p in (await _saved_pools(request, principal, subject_id))]
    code, error = await _issue(request, principal, subject_id, payer, saved)
    return render(request, "codes/_panel.html", code=code, error=error, subject_id=subject_id,
                  refresh_after=refresh_after, payer=payer, labels=labels)


async def _saved_pools(request: Request, principal, subject_id: str) -> list[dict]:
    data = await execute(request, principal, "codes/payer.graphql", id=subject_id)
    node = data.get("node") or {}
    return (node.get("payerOrder") or {}).get("pools") or []


@household_page
async def result(request: Request, principal) -> Response:
    """htmx polls this while a code is shown: once a partner settles it, the split replaces the code."""
    form = await request.form()
    data = await execute(request, principal, "codes/issue.graphql", operation="ShownCode", code=str(form.get("code", "")))
    shown = data.get("shownCode")
    if not shown or not shown["settlement"]:
        return Response(status_code=204)  # nothing yet: htmx leaves the code on screen
    return render(request, "codes/_result.html", settlement=shown["settlement"], subject_id=str(form.get("subject")),
                  labels=labels)


@household_page
async def activate(request: Request, principal) -> Response:
    data = await execute(request, principal, "codes/issue.graphql", operation="ActivateVoucher")
    if data["activateVoucher"]["__typename"] == "OperationError":
        return await _page(request, principal, None, status_code=400)
    return RedirectResponse("/codes", status_code=303)


routes = [
    Route("/codes", codes_page, methods=["GET"]),
    Route("/codes/issue", issue, methods=["POST"]),
    Route("/codes/activate", activate, methods=["POST"]),
    Route("/codes/result", result, methods=["POST"]),
]
