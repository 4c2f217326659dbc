"""Defences: depth, token and alias limits, page size, introspection only in development."""

from datetime import date

import pytest

from backend.principals import ANONYMOUS
from backend.runtime import Runtime
from tests.helpers import gql, household_principal, person

pytestmark = pytest.mark.one_database


@pytest.fixture
def me(rt):
    return household_principal(person(rt, "我", date(1980, 1, 1)))


def _codes(result):
    return [e.message for e in result.errors or []]


def test_deep_queries_are_refused(rt, me):
    inner = "name"
    for _ in range(6):
        inner = f"family {{ edges {{ node {{ {inner} }} }} }}"
    result = gql(rt, me, f"{{ viewer {{ ... on Person {{ {inner} }} }} }}")
    assert result.data is None and any("exceeds maximum operation depth" in m for m in _codes(result))


def test_too_many_aliases_are_refused(rt, me):
    aliases = " ".join(f"a{i}: viewer {{ __typename }}" for i in range(16))
    result = gql(rt, me, f"{{ {aliases} }}")
    assert result.data is None and any("alias" in m.lower() for m in _codes(result))


def test_too_many_tokens_are_refused(rt, me):
    fields = " ".join("__typename" for _ in range(2100))
    result = gql(rt, me, f"{{ {fields} }}")
    assert result.data is None and any("token" in m.lower() for m in _codes(result))


def test_pages_are_capped(rt, me):
    result = gql(rt, me, "{ viewer { ... on Person { family(first: 101) { totalCount } } } }")
    assert result.errors[0].extensions["code"] == "PAGE_SIZE"
    ok = gql(rt, me, "{ viewer { ... on Person { family(first: 100) { totalCount } } } }")
    assert ok.errors is None


def test_introspection_only_in_development(rt, me):
    query = "{ __schema { queryType { name } } }"
    assert gql(rt, me, query).errors is None
    production = Runtime(db=rt.db, clock=rt.clock, settings=rt.settings.model_copy(update={"yibao_env": "production"}))
    refused = gql(production, me, query)
    assert refused.data is None and "introspection" in refused.errors[0].message.lower()


def test_anonymous_callers_reach_nothing_but_viewer(rt):
    result = gql(rt, ANONYMOUS, '{ node(id: "UGVyc29uOjE=") { id } }')
    assert result.data == {"node": None} and result.errors[0].extensions["code"] == "FORBIDDEN"


def test_a_negative_cursor_is_refused_and_unexpected_errors_show_no_internals(rt, me):
    import base64

    bad = base64.urlsafe_b64encode(b"offset:-5").decode()
    result = gql(rt, me, "query($a: String) { viewer { ... on Person { family(after: $a) { totalCount } } } }", a=bad)
    assert result.errors[0].extensions["code"] == "INVALID_INPUT"


def test_unexpected_errors_are_masked(rt, me, monkeypatch):
    from backend.graph.family_account import reads

    def boom(*_args):
        raise RuntimeError("SELECT secret FROM somewhere WHERE id = 42")

    # (The viewer's own insurance comes with the request's scope; the voucher is a loader's batch.)
    monkeypatch.setattr(reads.LOADERS["voucher"], "batch", boom)
    result = gql(rt, me, "{ viewer { ... on Person { voucher { activated } } } }")
    assert result.errors and [e.message for e in result.errors] == ["Unexpected error."]
