"""Schema-driven fuzzing of /graphql over HTTP, for every principal, on SQLite and PostgreSQL.

Properties, whatever is sent: never an HTTP 500, never "Unexpected error." (the mask over failures
nobody expected), nothing logged as an error; a mutation that was refused (a typed OperationError,
or an error or null in its place) writes nothing; a query writes nothing but its audit trail; and a
variable value that does not fit its type is a validation error naming the variable, before any
resolver runs. Budget and seed: tests/fuzz/budget.py and docs/operations.md.
"""

from __future__ import annotations

import json
from dataclasses import replace

import graphql
import hypothesis_graphql as hg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import Mode

from backend.graph.schema import build_schema
from tests.conftest import test_settings as settings_for
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.target import PRINCIPALS, WRITTEN_BY_READS, WRITTEN_ON_REFUSAL, assert_sound, make_client, open_target
from tests.fuzz.values import Values, scalar_nodes

SCHEMA: graphql.GraphQLSchema = build_schema(settings_for("sqlite://"))._schema
ROOT_FIELDS = [("query", n, f) for n, f in sorted(SCHEMA.query_type.fields.items())] + \
              [("mutation", n, f) for n, f in sorted(SCHEMA.mutation_type.fields.items())]
WITH_ARGUMENTS = [(kind, name, field) for kind, name, field in ROOT_FIELDS if field.args]

# The PostgreSQL storage is the same at either isolation level, and the budget is better spent on examples.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def target(rt):
    with make_client(rt) as client:
        yield open_target(rt, client)


def _with_root_typename(document: graphql.DocumentNode) -> str:
    """Select __typename on the root field too, so a refusal is told apart from a success."""
    typename = graphql.FieldNode(name=graphql.NameNode(value="__typename"))

    def extended(node):
        if node.selection_set is None:
            return node
        return replace(node, selection_set=replace(node.selection_set,
                                                   selections=(*node.selection_set.selections, typename)))

    return graphql.print_ast(replace(document, definitions=tuple(
        replace(d, selection_set=replace(d.selection_set, selections=tuple(map(extended, d.selection_set.selections))))
        for d in document.definitions)))


def _check(target, principal: str, kind: str, field: str, document: str, variables=None) -> None:
    reply = target.post(principal, document, variables)
    what = f"{principal}: {document}" + (f"\nvariables: {json.dumps(variables, ensure_ascii=False)}" if variables else "")
    assert_sound(reply, what)
    written = target.writes(WRITTEN_BY_READS if kind == "query" else WRITTEN_ON_REFUSAL)
    if kind == "query":
        assert not written, f"a query wrote {written}: {what}\n{reply.body}"
    elif reply.refused(field):
        assert not written, f"a refused mutation wrote {written}: {what}\n{reply.body}"


def test_generated_operations_keep_the_properties(target):
    """Valid documents from the schema (hypothesis-graphql): every root field, by every kind of principal."""
    scalars = scalar_nodes(target.ids, target.strings)
    makers = {"query": hg.queries, "mutation": hg.mutations}
    for kind, name, _ in ROOT_FIELDS:
        _fuzz_root_field(target, kind, name,
                         makers[kind](SCHEMA, fields=[name], custom_scalars=scalars, print_ast=_with_root_typename))


def _fuzz_root_field(target, kind: str, name: str, documents) -> None:
    @fuzz_settings(12)
    @given(principal=st.sampled_from(PRINCIPALS), document=documents)
    def run(principal, document):
        _check(target, principal, kind, name, document)

    run()


def test_documents_that_break_the_schema_are_refused_whole(target):
    """hypothesis-graphql's negative mode: one violation (wrong literal type, unknown enum, missing
    argument) per document. Each is a validation error, and nothing runs."""
    scalars = scalar_nodes(target.ids, target.strings)
    documents = st.one_of(hg.queries(SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE),
                          hg.mutations(SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE))

    @fuzz_settings(60)
    @given(principal=st.sampled_from(PRINCIPALS), document=documents)
    def run(principal, document):
        reply = target.post(principal, document)
        assert_sound(reply, f"{principal}: {document}")
        assert reply.body.get("data") is None and reply.messages, reply.body
        assert not target.writes(), document

    run()


def _variables_document(kind: str, name: str, field: graphql.GraphQLField) -> str:
    definitions = ", ".join(f"${arg}: {spec.type}" for arg, spec in field.args.items())
    arguments = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    selection = "" if graphql.is_leaf_type(graphql.get_named_type(field.type)) else " { __typename }"
    return f"{kind} Fuzz({definitions}) {{ {name}({arguments}){selection} }}"


@st.composite
def variables_for(draw, values: Values, field: graphql.GraphQLField, broken: str | None) -> dict:
    """A value for every required argument and some optional ones; `broken` gets a value that does not fit."""
    out = {}
    for arg, spec in field.args.items():
        if arg == broken:
            out[arg] = draw(values.invalid(spec.type))
        elif graphql.is_non_null_type(spec.type) or draw(st.booleans()):
            out[arg] = draw(values.valid(spec.type))
    return out


def test_variable_values_that_do_not_fit_are_validation_errors(target):
    """Wrong types, huge ints, floats, bad enums and dates, nulls for required values, unknown or missing
    input fields: each is refused before anything runs, as a coded INVALID_INPUT naming the field inside the
    variable (graphql-core's text, naming the variable, in `detail`), and nothing is written."""
    values = Values(target.ids, target.strings)
    for kind, name, field in WITH_ARGUMENTS:
        document = _variables_document(kind, name, field)
        cases = st.sampled_from(sorted(field.args)).flatmap(lambda arg, field=field: variables_for(values, field, arg))
        _fuzz_invalid_variables(target, document, cases)


def _fuzz_invalid_variables(target, document: str, cases) -> None:
    @fuzz_settings(6)
    @given(principal=st.sampled_from(PRINCIPALS), variables=cases)
    def run(principal, variables):
        reply = target.post(principal, document, variables)
        what = f"{principal}: {document}\nvariables: {variables!r}"
        assert_sound(reply, what)
        assert reply.body.get("data") is None and reply.messages, f"accepted: {what}\n{reply.body}"
        for error in reply.body["errors"]:
            extensions = error.get("extensions") or {}
            coded = extensions.get("code") == "INVALID_INPUT" and extensions.get("field") \
                and str(extensions.get("detail")).startswith("Variable '$")
            assert coded or error["message"].startswith("Variable '$"), f"{what}\n{reply.body}"
        assert not target.writes(), what

    run()


def test_variable_values_that_fit_keep_the_properties(target):
    """The same operations with well-typed variables: amounts at the edges of Fen and Int, dates
    around year ends and in the future, real and malformed ids."""
    values = Values(target.ids, target.strings)
    for kind, name, field in WITH_ARGUMENTS:
        _fuzz_valid_variables(target, kind, name, _variables_document(kind, name, field),
                              variables_for(values, field, None))


def _fuzz_valid_variables(target, kind: str, name: str, document: str, cases) -> None:
    @fuzz_settings(6)
    @given(principal=st.sampled_from(PRINCIPALS), variables=cases)
    def run(principal, variables):
        _check(target, principal, kind, name, document, variables)

    run()
