"""FHIR errors: each becomes an OperationOutcome in the caller's language, with its HTTP status."""

from __future__ import annotations

from typing import Any

from backend.domain.errors import N_
from backend.i18n import gettext

SIGN_IN = N_("Send a partner API key or an access token as a Bearer credential.")
NOT_FOUND = N_("No {resource} with this id, or you may not see it.")
UNKNOWN_TYPE = N_("This server does not export {resource}.")
UNKNOWN_PARAMETER = N_("The search parameter {name} is not supported for {resource}.")
SEARCH_BY = N_("Search {resource} by one of: {names}.")
BAD_COUNT = N_("_count must be a whole number from 1 to {max}.")
READ_ONLY = N_("The FHIR export is read-only: only GET is allowed.")
FAILED = N_("The server could not build this resource.")


class FhirError(Exception):
    """A refusal answered as an OperationOutcome (`code` from the FHIR issue-type value set)."""

    def __init__(self, status: int, code: str, message_id: str | None = None, *, text: str | None = None,
                 headers: dict[str, str] | None = None, **params: Any) -> None:
        super().__init__(message_id or text)
        self.status, self.code, self.message_id, self.text = status, code, message_id, text
        self.headers, self.params = headers or {}, params

    def diagnostics(self, locale: str) -> str:
        return self.text if self.message_id is None else gettext(locale, self.message_id, **self.params)


def not_found(resource: str) -> FhirError:
    return FhirError(404, "not-found", NOT_FOUND, resource=resource)


def issue(severity: str, code: str, diagnostics: str) -> dict[str, Any]:
    return {"severity": severity, "code": code, "diagnostics": diagnostics}


def operation_outcome(*issues: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": list(issues)}
