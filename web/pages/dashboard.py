"""The staff console's home: settlements today and this month and who paid them, as a chart and a
table; live grants and bindings; claims waiting; roster imports. Every figure comes from the graph."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.policy import is_auditor
from backend.principals import Channel
from web import labels
from web.charts import amount_text, stacked_bars
from web.operations import execute
from web.pages.access import staff_page
from web.rendering import render

# The split's parts in the order the chart and the table show them: fund, own accounts, mutual aid, cash.
PARTS = (("fund", "fundFen", labels.SPLIT_PART["fund"]), ("own", "ownAccountsFen", labels.SPLIT_PART["own"]),
         ("aid", "mutualAidFen", labels.SPLIT_PART["aid"]), ("cash", "cashFen", labels.SPLIT_PART["cash"]))


@staff_page
async def dashboard_page(request: Request, principal) -> Response:
    # Roster imports are for auditors and admins; a clerk's dashboard does not ask for them.
    data = await execute(request, principal, "console/dashboard.graphql", channel=Channel.CONSOLE,
                         imports=is_auditor(principal))
    board = data["dashboard"]
    periods = (("today", board["today"]), ("thisMonth", board["thisMonth"]))
    chart = stacked_bars([(name, [(key, split[field]) for key, field, _ in PARTS]) for name, split in periods])
    return render(request, "console/dashboard.html", me=data["viewer"], board=board, chart=chart, parts=PARTS,
                  amount=amount_text, imports=data.get("rosterImports"), clearing=data.get("clearingFigures"),
                  labels=labels)


routes = [Route("/console", dashboard_page, methods=["GET"])]
