"""No field ships unruled: every field of every object type has a rule for every kind of caller."""

from graphql import GraphQLObjectType

from backend.config import Settings
from backend.graph.rules import COLUMNS, TABLE, Rule
from backend.graph.schema import build_schema


def schema_fields() -> set[str]:
    schema = build_schema(Settings(secret_key="x"))._schema
    return {
        f"{name}.{field}"
        for name, gtype in schema.type_map.items()
        if isinstance(gtype, GraphQLObjectType) and not name.startswith("__")
        for field in gtype.fields
    }


def test_every_field_has_a_rule_for_each_principal_kind():
    missing = sorted(schema_fields() - set(TABLE))
    assert not missing, f"fields without an authorization rule: {missing}"
    for key, row in TABLE.items():
        assert len(row) == len(COLUMNS) and all(isinstance(rule, Rule) for rule in row), key


def test_the_table_names_no_field_the_schema_lacks():
    stale = sorted(set(TABLE) - schema_fields())
    assert not stale, f"rules for fields that no longer exist: {stale}"
