"""Search parameters and searchset Bundles, with paging by the graph's cursors."""

from __future__ import annotations

import uuid
from typing import Any

from web.fhir.http import Call
from web.fhir.outcome import BAD_COUNT, SEARCH_BY, UNKNOWN_PARAMETER, FhirError

COUNT, CURSOR = "_count", "_cursor"
# Accepted and ignored: the export speaks JSON only.
IGNORED = {"_format"}
DEFAULT_COUNT = 20


class Search:
    """A search on `resource` taking the named parameters; any other is refused, not silently ignored."""

    def __init__(self, call: Call, resource: str, names: tuple[str, ...], *, paged: bool = False) -> None:
        self.call, self.resource, self.names = call, resource, names
        params = call.request.query_params
        allowed = set(names) | IGNORED | ({COUNT, CURSOR} if paged else set())
        unknown = sorted(set(params.keys()) - allowed)
        if unknown:
            raise FhirError(400, "not-supported", UNKNOWN_PARAMETER, name=unknown[0], resource=resource)
        self.params = params

    def get(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value else None

    def one_of(self) -> tuple[str, str]:
        """The one search parameter given (name, value); none is a 400 naming them."""
        given = [(name, self.params[name]) for name in self.names if self.params.get(name)]
        if len(given) != 1:
            raise FhirError(400, "required", SEARCH_BY, resource=self.resource, names=", ".join(self.names))
        return given[0]

    @property
    def count(self) -> int:
        top = self.call.request.app.state.rt.settings.max_page_size
        raw = self.params.get(COUNT)
        if raw is None:
            return min(DEFAULT_COUNT, top)
        if not raw.isdigit() or not 1 <= int(raw) <= top:
            raise FhirError(400, "invalid", BAD_COUNT, max=top)
        return int(raw)

    @property
    def cursor(self) -> str | None:
        return self.get(CURSOR)


def reference_id(value: str, resource_type: str) -> str:
    """`Patient/<id>` or a bare `<id>`, as a reference search parameter may be written."""
    return value.removeprefix(f"{resource_type}/")


def entry(call: Call, resource: dict[str, Any], mode: str = "match", full_url: str | None = None) -> dict[str, Any]:
    url = full_url or (call.full_url(resource) if "id" in resource else new_urn())
    return {"fullUrl": url, "resource": resource, "search": {"mode": mode}}


def new_urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def searchset(call: Call, entries: list[dict[str, Any]], total: int | None = None,
              next_cursor: str | None = None) -> dict[str, Any]:
    """A searchset Bundle; `total` counts the matches (not included or outcome entries)."""
    matches = sum(1 for e in entries if e["search"]["mode"] == "match")
    links = [{"relation": "self", "url": str(call.request.url)}]
    if next_cursor:
        links.append({"relation": "next", "url": str(call.request.url.include_query_params(**{CURSOR: next_cursor}))})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                              "total": matches if total is None else total, "link": links}
    if entries:
        bundle["entry"] = entries
    return bundle


def page(connection: dict[str, Any] | None) -> tuple[list[dict[str, Any]], int, str | None]:
    """A graph connection's edges, total and next cursor; a connection the gate withheld is empty."""
    if connection is None:
        return [], 0, None
    info = connection["pageInfo"]
    return list(connection["edges"]), connection["totalCount"], info["endCursor"] if info["hasNextPage"] else None
