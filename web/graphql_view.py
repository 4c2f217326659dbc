"""/graphql over HTTP: Bearer credentials only (API key, or a token from /auth/token)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult

from backend.domain.errors import DomainError
from backend.graph.core.context import Context, build_context
from backend.graph.core.errors import coded_variable_error
from backend.i18n import error_message, negotiate
from backend.observability import request_id
from backend.principals import Channel
from web.security import bearer_refusal, client_address, principal_from_bearer

# Our own GraphiQL page rather than strawberry's, which loads its scripts from unpkg.com and runs an
# inline one: this one loads only vendored files from /static/, so it works offline under the strict policy.
GRAPHIQL_PAGE = Path(__file__).with_name("graphiql.html")


class GraphQLView(GraphQL):
    def __init__(self, schema, *, development: bool) -> None:
        # Multipart requests (a roster file for startRosterImport) are safe here: /graphql ignores cookies, so a
        # cross-site form cannot act as anyone.
        super().__init__(schema, graphql_ide="graphiql" if development else None, allow_queries_via_get=False,
                         multipart_uploads_enabled=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Credentials are checked before the body is read, so a caller over its guessing limit costs
        # one counter lookup and gets 429, and a bad credential gets 401, whatever it sends.
        if scope["type"] == "http":
            request = Request(scope)
            state = request.app.state
            try:
                request.state.principal = await principal_from_bearer(
                    state.rt, state.signer, request.headers.get("authorization"), client_address(request))
            except DomainError as refused:
                locale = negotiate(request.headers.get("accept-language"))
                error = {"message": error_message(locale, refused),
                         "extensions": {"code": refused.code.value, "requestId": request_id.current_id()}}
                status, headers = bearer_refusal(refused)
                await JSONResponse({"errors": [error]}, status_code=status, headers=headers)(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(GRAPHIQL_PAGE.read_text(encoding="utf-8"))

    async def get_context(self, request: Request, response: Response) -> Context:
        locale = negotiate(request.headers.get("accept-language"))
        return await build_context(request.app.state.rt, request.state.principal, Channel.GRAPHQL, locale,
                                   request=request, response=response)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Every error names the request (`extensions.requestId`, also the X-Request-ID header), so a
        partner's support request can be traced to its log lines. A variable value that does not fit its
        type (an unknown enum value…) becomes a coded, translated `INVALID_INPUT` naming the field."""
        response = process_result(result)
        rid = request_id.current_id()
        locale = negotiate(request.headers.get("accept-language"))
        for error in response.get("errors") or ():
            coded = None if (error.get("extensions") or {}).get("code") else coded_variable_error(
                error["message"], self.schema._schema.type_map, locale)
            if coded is not None:
                error["message"] = coded["message"]
                error["extensions"] = {**(error.get("extensions") or {}), **coded["extensions"]}
            error["extensions"] = {**(error.get("extensions") or {}), "requestId": rid}
        return response

    async def get_root_value(self, request: Any) -> None:
        return None

