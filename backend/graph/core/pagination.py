"""Relay cursor connections with a hard maximum page size: one Connection[T], one paginate().

Two kinds of cursor. A **keyset** cursor holds the sort key of the last row a page showed, and the next
page starts after that key, so rows added or removed meanwhile never shift a page: a settlement that
lands while a till pages through the day appears once (on the first page, newest first, if it reads
again from the start) and never twice. Every connection that can grow while it is read uses one
(`paginate(..., key=...)` for lists a DataLoader returned, `keyset_window` and `keyset_connection` with
`newest_first_after` for pages read in SQL). An **offset** cursor (`offset:<n>`) is kept for the few
lists that are searched or ranked rather than appended to (staff search, the partner and staff lists).
"""

from __future__ import annotations

import base64
import bisect
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import and_, or_

from backend.domain.errors import N_, DomainError, ErrorCode, Msg
from backend.graph.core.errors import bad_request
from backend.graph.core.wrappers import Wrapper

T = TypeVar("T")
_PREFIX = "offset:"
_KEY = "key:"
NOT_OUR_CURSOR = Msg(N_("this cursor was not issued by this list; use a page's endCursor"))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


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
        raise DomainError(ErrorCode.INVALID_INPUT, field="after", reason=NOT_OUR_CURSOR) from None


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


def paginate(ctx, items: Sequence, first: int, after: str | None, wrap=None,
             key: Callable[[Any], tuple] | None = None) -> Connection:
    """A page of an in-memory list (what a DataLoader returned), each item wrapped for the graph.

    With `key` (a tuple of ints and strings whose ascending order is the list's order, `newest_first`
    for most) the list is ordered by it and the cursors are keysets; without, offsets."""
    if key is None:
        offset, limit = requested_window(ctx, first, after)
        chunk = items[offset:offset + limit]
        return connection([wrap(item) for item in chunk] if wrap else list(chunk), offset, len(items))
    _, limit = requested_window(ctx, first, None)
    ordered = sorted(items, key=key)
    keys = [key(item) for item in ordered]
    start = 0
    if after:
        last = _decoded_key(ctx, after)
        try:
            start = bisect.bisect_right(keys, last)
        except TypeError:  # a cursor of another connection
            raise bad_request(DomainError(ErrorCode.INVALID_INPUT, field="after", reason=NOT_OUR_CURSOR), ctx.locale) from None
    chunk = ordered[start:start + limit]
    return keyset_connection([wrap(item) for item in chunk] if wrap else list(chunk), keys[start:start + limit],
                             total=len(items), has_next=start + limit < len(items), has_previous=start > 0)


def newest_first(at: datetime, row_id: uuid.UUID | int | str) -> tuple[int, str]:
    """The in-memory keyset of a newest-first list: later instants first, then ids ascending."""
    return -((at - _EPOCH) // _MICROSECOND), str(row_id)


def oldest_first(at: datetime, row_id: uuid.UUID | int | str) -> tuple[int, str]:
    return (at - _EPOCH) // _MICROSECOND, str(row_id)


def key_cursor(values: Sequence) -> str:
    return base64.urlsafe_b64encode((_KEY + json.dumps(list(values), separators=(",", ":"))).encode()).decode()


def _decoded_key(ctx, after: str) -> tuple:
    try:
        text = base64.urlsafe_b64decode(after.encode()).decode()
        if not text.startswith(_KEY):
            raise ValueError
        values = json.loads(text[len(_KEY):])
        if not isinstance(values, list) or not values or not all(
                isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise ValueError
        return tuple(values)
    except ValueError:
        raise bad_request(DomainError(ErrorCode.INVALID_INPUT, field="after", reason=NOT_OUR_CURSOR), ctx.locale) from None


def keyset_window(ctx, first: int, after: str | None) -> tuple[tuple[datetime, uuid.UUID] | None, int]:
    """For a page read in SQL, ordered by an instant and then an id: the (instant, id) the page starts after (None: the first page)
    and how many rows to show. Read one row more than that, to know whether a next page exists."""
    _, limit = requested_window(ctx, first, None)
    if not after:
        return None, limit
    values = _decoded_key(ctx, after)
    try:
        at, row_id = values
        instant = datetime.fromisoformat(at)
        if instant.tzinfo is None:
            raise ValueError
        return (instant, uuid.UUID(row_id)), limit
    except (ValueError, TypeError):
        raise bad_request(DomainError(ErrorCode.INVALID_INPUT, field="after", reason=NOT_OUR_CURSOR), ctx.locale) from None


def newest_first_after(at_column, id_column, after: tuple[datetime, uuid.UUID] | None):
    """The SQL condition for rows after `after` in the order (at desc, id asc); None for the first page."""
    if after is None:
        return None
    at, row_id = after
    return or_(at_column < at, and_(at_column == at, id_column > row_id))


def oldest_first_after(at_column, id_column, after: tuple[datetime, uuid.UUID] | None):
    """As `newest_first_after`, for the order (at asc, id asc)."""
    if after is None:
        return None
    at, row_id = after
    return or_(at_column > at, and_(at_column == at, id_column > row_id))


def sql_key(at: datetime, row_id: uuid.UUID) -> tuple[str, str]:
    """The cursor key of a row of a page read in SQL (what `keyset_window` reads back)."""
    return at.isoformat(), str(row_id)


def keyset_connection(nodes: Sequence, keys: Sequence[Sequence], *, total: int, has_next: bool,
                      has_previous: bool) -> Connection:
    edges = [Edge(cursor=key_cursor(k), node=node) for k, node in zip(keys, nodes, strict=True)]
    return Connection(edges=edges, total_count=total, page_info=PageInfo(
        has_next_page=has_next, has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None))
