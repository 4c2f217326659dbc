"""Values for the graph fuzzers: literal nodes for hypothesis-graphql's custom scalars, and JSON
variable values that fit a GraphQL input type exactly, or miss it by exactly one defect."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from backend.domain.settlement import MAX_BILL_FEN, MAX_LINE_FEN, MAX_QUANTITY
from backend.graph.core.scalars import MAX_SAFE_FEN
from tests.conftest import START

INT_MAX = 2**31 - 1
FEN_EDGES = (0, 1, -1, 99, 100, MAX_LINE_FEN, MAX_LINE_FEN + 1, MAX_BILL_FEN, MAX_BILL_FEN + 1, INT_MAX, INT_MAX + 1,
             MAX_SAFE_FEN, -MAX_SAFE_FEN)
INT_EDGES = (0, 1, -1, 2, 20, 100, MAX_QUANTITY, MAX_QUANTITY + 1, INT_MAX, -INT_MAX - 1)
TODAY = START.date()
DATE_EDGES = (TODAY, TODAY - timedelta(days=1), TODAY + timedelta(days=1), date(TODAY.year - 1, 12, 31),
              date(TODAY.year, 1, 1), date(TODAY.year + 1, 1, 1), date(1, 1, 1), date(9999, 12, 31), date(2024, 2, 29))

fen = st.one_of(st.sampled_from(FEN_EDGES), st.integers(0, 100_000), st.integers(-MAX_SAFE_FEN, MAX_SAFE_FEN))
ints = st.one_of(st.sampled_from(INT_EDGES), st.integers(-(2**31), INT_MAX))
dates = st.one_of(st.sampled_from(DATE_EDGES), st.dates())
datetimes = st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)
texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


def scalar_nodes(ids: Sequence[str], strings: Sequence[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """hypothesis-graphql's `custom_scalars`: ours (Fen, Date, DateTime, Upload), and ID and String biased
    towards values the demo data knows, so operations get past "not found"."""
    return {
        "Fen": fen.map(nodes.Int),
        "Date": dates.map(nodes.String),
        "DateTime": datetimes.map(nodes.String),
        "ID": st.one_of(st.sampled_from(ids), texts).map(nodes.String),
        "String": st.one_of(st.sampled_from(strings), texts).map(nodes.String),
        # A file travels only as a multipart part: any literal or JSON value in its place must be refused.
        "Upload": texts.map(nodes.String),
    }


class Values:
    """JSON values for a GraphQL input type: `valid(t)` fits it, `invalid(t)` has exactly one defect."""

    def __init__(self, ids: Sequence[str], strings: Sequence[str]) -> None:
        self.leaf = {
            "Int": ints,
            "Fen": fen,
            "Boolean": st.booleans(),
            "Date": dates.map(date.isoformat),
            "DateTime": datetimes,
            "ID": st.one_of(st.sampled_from(ids), texts),
            "String": st.one_of(st.sampled_from(strings), texts),
            "Upload": texts,
        }

    def valid(self, type_: graphql.GraphQLInputType) -> st.SearchStrategy[Any]:
        if isinstance(type_, graphql.GraphQLNonNull):
            return self._valid_inner(type_.of_type)
        return st.one_of(st.none(), self._valid_inner(type_))

    def _valid_inner(self, type_) -> st.SearchStrategy[Any]:
        if isinstance(type_, graphql.GraphQLList):
            return st.lists(self.valid(type_.of_type), max_size=4)
        if isinstance(type_, graphql.GraphQLEnumType):
            return st.sampled_from(sorted(type_.values))
        if isinstance(type_, graphql.GraphQLInputObjectType):
            return self._object(type_)
        return self.leaf[type_.name]

    def _object(self, type_: graphql.GraphQLInputObjectType, broken: str | None = None) -> st.SearchStrategy[dict]:
        """Every required field, some optional ones; `broken` names the one field given a bad value."""
        required = {n: f for n, f in type_.fields.items() if graphql.is_required_input_field(f) or n == broken}
        optional = {n: f for n, f in type_.fields.items() if n not in required}
        return st.fixed_dictionaries(
            {n: self.invalid(f.type) if n == broken else self.valid(f.type) for n, f in required.items()},
            optional={n: self.valid(f.type) for n, f in optional.items()})

    def invalid(self, type_: graphql.GraphQLInputType) -> st.SearchStrategy[Any]:
        if isinstance(type_, graphql.GraphQLNonNull):
            return st.one_of(st.none(), self._invalid_inner(type_.of_type))
        return self._invalid_inner(type_)

    def _invalid_inner(self, type_) -> st.SearchStrategy[Any]:
        if isinstance(type_, graphql.GraphQLList):
            # A lone item stands for a list of one (input coercion), so a bad lone item is bad too;
            # but a lone null is the list's own null.
            item = type_.of_type
            return st.one_of(
                st.tuples(st.lists(self.valid(item), max_size=3), self.invalid(item), st.integers(0, 3))
                .map(lambda t: [*t[0][:t[2]], t[1], *t[0][t[2]:]]),
                self._invalid_inner(graphql.get_nullable_type(item)))
        if isinstance(type_, graphql.GraphQLEnumType):
            names = set(type_.values)
            return st.one_of(st.sampled_from(sorted({n.lower() for n in names} - names) or ["nope"]),
                             texts.filter(lambda t: t not in names), st.integers(), st.booleans())
        if isinstance(type_, graphql.GraphQLInputObjectType):
            return st.one_of(self._broken_field(type_), self._missing_field(type_),
                             self._object(type_).map(lambda o: {**o, "notAField": 1}),
                             st.sampled_from(["", "{}", 0, True]))
        return WRONG[type_.name]

    def _broken_field(self, type_: graphql.GraphQLInputObjectType) -> st.SearchStrategy[dict]:
        return st.sampled_from(sorted(type_.fields)).flatmap(lambda name: self._object(type_, broken=name))

    def _missing_field(self, type_: graphql.GraphQLInputObjectType) -> st.SearchStrategy[dict]:
        required = sorted(n for n, f in type_.fields.items() if graphql.is_required_input_field(f))
        if not required:
            return st.nothing()
        return st.tuples(self._object(type_), st.sampled_from(required)).map(
            lambda t: {k: v for k, v in t[0].items() if k != t[1]})


_non_integral = st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())
_containers = st.sampled_from([{}, {"a": 1}, []])
_bad_dates = st.sampled_from(["2026-13-45", "2026-02-30", "2025-02-29", "0000-01-01", "10000-01-01", "yesterday", "",
                              "2026-03-01T00:00:00", "2026/03/01", " 2026-03-01"])
# A value each scalar refuses. ID takes integers (they stand for their decimal text), and Int and Fen
# take nothing but whole numbers in range.
WRONG: dict[str, st.SearchStrategy[Any]] = {
    "Int": st.one_of(st.sampled_from([INT_MAX + 1, -(2**31) - 1, 2**53, 2**63, 10**30, "1", True]), _non_integral,
                     st.integers(min_value=INT_MAX + 1), _containers),
    "Fen": st.one_of(st.sampled_from([MAX_SAFE_FEN + 1, -MAX_SAFE_FEN - 1, 2**63, 10**30, 12.5, "100", True, 1e300]),
                     _non_integral, st.integers(min_value=MAX_SAFE_FEN + 1), _containers),
    "Boolean": st.one_of(st.sampled_from([0, 1, "true", "false", "", 1.0]), _containers),
    "String": st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), _containers),
    "ID": st.one_of(st.floats(allow_nan=False).filter(lambda f: not f.is_integer()), st.booleans(), _containers),
    "Date": st.one_of(_bad_dates, st.integers(), _non_integral, st.booleans(), _containers),
    "DateTime": st.one_of(st.sampled_from(["2026-13-01T00:00:00", "now", ""]), st.integers(), _containers),
    "Upload": st.one_of(texts, st.integers(), st.booleans(), _containers),  # a file is a multipart part, never JSON
}
