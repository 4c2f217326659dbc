"""'My family': relatives with what they are to me, their insurance, and claiming a relationship."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from web import labels
from web.operations import execute
from web.pages.access import household_page
from web.pages.outcome import after_mutation
from web.rendering import render


async def _render(request: Request, principal, *, form=None, errors=None, notice=None, status_code=200,
                  partial=False) -> Response:
    data = await execute(request, principal, "family/family.graphql")
    template = "family/_section.html" if partial else "family/page.html"
    return render(request, template, status_code=status_code, me=data["viewer"], labels=labels,
                  form=form or {}, errors=errors or {}, notice=notice)


@household_page
async def family_page(request: Request, principal) -> Response:
    return await _render(request, principal)


@household_page
async def claim(request: Request, principal) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name", "idNumber", "kind")}
    data = await execute(request, principal, "family/claim.graphql", operation="ClaimRelationship", input=values)
    result = data["claimRelationship"]
    return await after_mutation(request, result, rerender=partial(_render, request, principal, form=values),
                                back_to="/family", error_key=result.get("field") or "form", notice="claimed",
                                form={})


@household_page
async def withdraw(request: Request, principal) -> Response:
    """Take back a claim that still waits for a clerk (a wrong person or kind picked by mistake)."""
    relationship_id = str((await request.form()).get("relationshipId", ""))
    data = await execute(request, principal, "family/claim.graphql", operation="WithdrawClaim", id=relationship_id)
    return await after_mutation(request, data["withdrawClaim"], rerender=partial(_render, request, principal),
                                back_to="/family", error_key=relationship_id)


routes = [
    Route("/family", family_page, methods=["GET"]),
    Route("/family/claim", claim, methods=["POST"]),
    Route("/family/withdraw", withdraw, methods=["POST"]),
]
