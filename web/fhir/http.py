"""FHIR over HTTP: Bearer credentials as /graphql takes them, application/fhir+json out, OperationOutcome errors.

A handler gets a `Call` (the request, the caller, their language) and returns a resource; it runs
its graph operations with `Call.run`, so the gate rules what each caller sees.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from backend.domain.errors import DomainError
from backend.i18n import error_message, gettext, negotiate
from backend.principals import ANONYMOUS, Channel, Principal, PrincipalKind
from web.fhir.outcome import FAILED, READ_ONLY, SIGN_IN, FhirError, issue, operation_outcome
from web.operations import OperationFailed, execute
from web.security import bearer_refusal, client_address, principal_from_bearer

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json; charset=utf-8"
BASE_PATH = "/fhir/R4"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


class FhirResponse(Response):
    media_type = FHIR_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Call:
    """One authenticated FHIR request."""

    request: Request
    principal: Principal
    locale: str

    async def run(self, document: str, operation: str, **variables: Any) -> dict[str, Any]:
        """Run an operation of web/templates/fhir/<document> as the caller (channel fhir)."""
        return await execute(self.request, self.principal, f"fhir/{document}", Channel.FHIR, operation, **variables)

    @property
    def base(self) -> str:
        return str(self.request.base_url).rstrip("/") + BASE_PATH

    def full_url(self, resource: dict[str, Any]) -> str:
        return f"{self.base}/{resource['resourceType']}/{resource['id']}"

    def gettext(self, message: str, **params: Any) -> str:
        return gettext(self.locale, message, **params)


Handler = Callable[[Call], Awaitable[dict[str, Any]]]


def endpoint(handler: Handler, *, public: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint answering `handler`'s resource, or an OperationOutcome for any refusal."""

    async def serve(request: Request) -> Response:
        locale = negotiate(request.headers.get("accept-language"))
        try:
            if request.method not in ("GET", "HEAD"):
                raise FhirError(405, "not-supported", READ_ONLY, headers={"Allow": "GET"})
            principal = ANONYMOUS if public else await _caller(request, locale)
            return FhirResponse(await handler(Call(request, principal, locale)))
        except FhirError as refused:
            return outcome_response(refused, locale)
        except OperationFailed:
            log.exception("FHIR %s failed", request.url.path)
            return outcome_response(FhirError(500, "exception", FAILED), locale)

    return serve


def outcome_response(refused: FhirError, locale: str) -> Response:
    body = operation_outcome(issue("error", refused.code, refused.diagnostics(locale)))
    return FhirResponse(body, status_code=refused.status, headers=refused.headers)


async def _caller(request: Request, locale: str) -> Principal:
    """The caller by their Bearer credential, exactly as /graphql finds them; nobody is refused here."""
    state = request.app.state
    try:
        principal = await principal_from_bearer(state.rt, state.signer, request.headers.get("authorization"),
                                                client_address(request))
    except DomainError as refused:  # a bad credential, or too many wrong API keys
        status, headers = bearer_refusal(refused)
        if status == 429:
            raise FhirError(429, "throttled", text=error_message(locale, refused), headers=headers) from None
        principal = ANONYMOUS
    if principal.kind is PrincipalKind.ANONYMOUS:
        raise FhirError(401, "login", SIGN_IN, headers={"WWW-Authenticate": 'Bearer realm="fhir"'})
    return principal
