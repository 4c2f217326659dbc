"""/graphql over HTTP: Bearer credentials only (API key, or a token from /auth/token)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL

from backend.graph.core.context import Context, build_context
from backend.i18n import negotiate
from backend.principals import Channel
from web.security import principal_from_bearer


class GraphQLView(GraphQL):
    def __init__(self, schema, *, development: bool) -> None:
        super().__init__(schema, graphql_ide="graphiql" if development else None, allow_queries_via_get=False)

    async def get_context(self, request: Request, response: Response) -> Context:
        state = request.app.state
        principal = await principal_from_bearer(state.rt, state.signer, request.headers.get("authorization"))
        locale = negotiate(request.headers.get("accept-language"))
        return await build_context(state.rt, principal, Channel.GRAPHQL, locale, request=request, response=response)

    async def get_root_value(self, request: Any) -> None:
        return None
