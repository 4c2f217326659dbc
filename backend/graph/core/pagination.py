"""Relay cursor connections over offsets, with a hard maximum page size: one Connection[T], one paginate()."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Generic, TypeVar

import strawberry

from backend.domain.errors import DomainError, ErrorCode
from backend.graph.core.errors import bad_request
from backend.graph.core.wrappers import Wrapper

T = TypeVar("T")
_PREFIX = "offset:"


@strawberry.type
class PageInfo(Wrapper):
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T], Wrapper):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T], Wrapper):
    """Named after its node type by Strawberry: Connection[Grant] is GrantConnection."""

    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def cursor_at(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def window(first: int, after: str | None, max_size: int) -> tuple[int, int]:
    """(offset, limit) for `first` items after a cursor; refuses pages larger than max_size."""
    if first < 0 or first > max_size:
        raise DomainError(ErrorCode.PAGE_SIZE, field="first", max=max_size)
    if not after:
        return 0, first
    try:
        text = base64.urlsafe_b64decode(after.encode()).decode()
        if not text.startswith(_PREFIX) or int(text[len(_PREFIX):]) < 0:
            raise ValueError
        return int(text[len(_PREFIX):]) + 1, first
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, field="after") from None


def requested_window(ctx, first: int, after: str | None) -> tuple[int, int]:
    """`window` for a resolver: a bad page request becomes a coded GraphQL error."""
    try:
        return window(first, after, ctx.rt.settings.max_page_size)
    except DomainError as error:
        raise bad_request(error, ctx.locale) from None


def page_info(offset: int, count: int, total: int) -> PageInfo:
    return PageInfo(
        has_next_page=offset + count < total,
        has_previous_page=offset > 0,
        start_cursor=cursor_at(offset) if count else None,
        end_cursor=cursor_at(offset + count - 1) if count else None,
    )


def connection(nodes: Sequence, offset: int, total: int) -> Connection:
    """One page of nodes already cut from a list of `total`, starting at `offset`."""
    edges = [Edge(cursor=cursor_at(offset + i), node=node) for i, node in enumerate(nodes)]
    return Connection(edges=edges, page_info=page_info(offset, len(nodes), total), total_count=total)


def paginate(ctx, items: Sequence, first: int, after: str | None, wrap=None) -> Connection:
    """A page of an in-memory list (what a DataLoader returned), each item wrapped for the graph."""
    offset, limit = requested_window(ctx, first, after)
    chunk = items[offset:offset + limit]
    return connection([wrap(item) for item in chunk] if wrap else list(chunk), offset, len(items))
