"""No field ships unruled: every field of every object type has a rule for every kind of caller,
unless its type is a Wrapper (connections, edges, page info, payloads), which carries nothing of its own."""

from graphql import GraphQLObjectType

from backend.config import Settings
from backend.graph.core.rules import COLUMNS, Rule
from backend.graph.schema import RULE_ROWS, build_schema

SCHEMA = build_schema(Settings(secret_key="x"))


def schema_fields(*, with_wrappers: bool) -> set[str]:
    return {
        f"{name}.{field}"
        for name, gtype in SCHEMA._schema.type_map.items()
        if isinstance(gtype, GraphQLObjectType) and not name.startswith("__")
        and (with_wrappers or name not in SCHEMA.rules.wrapper_types)
        for field in gtype.fields
    }


def test_every_field_has_a_rule_for_each_principal_kind():
    missing = sorted(schema_fields(with_wrappers=False) - set(SCHEMA.rules.rows))
    assert not missing, f"fields without an authorization rule: {missing}"
    for key, row in SCHEMA.rules.rows.items():
        assert len(row) == len(COLUMNS) and all(isinstance(rule, Rule) for rule in row), key


def test_the_table_names_no_field_the_schema_lacks_nor_a_wrapper_field():
    stale = sorted(set(SCHEMA.rules.rows) - schema_fields(with_wrappers=False))
    assert not stale, f"rules for fields that no longer exist, or of Wrapper types: {stale}"


def test_wrappers_carry_no_data_of_their_own():
    """A Wrapper's fields hold other objects, ids, cursors or counts, or an error's code and message."""
    allowed = {"edges", "node", "cursor", "pageInfo", "totalCount", "totalCountCapped", "hasNextPage", "hasPreviousPage",
               "startCursor", "endCursor", "code", "message", "field", "relationshipId"}
    for name in SCHEMA.rules.wrapper_types:
        gtype = SCHEMA._schema.type_map[name]
        for field_name, field in gtype.fields.items():
            inner = field.type
            while hasattr(inner, "of_type"):
                inner = inner.of_type
            assert field_name in allowed or isinstance(inner, GraphQLObjectType), f"{name}.{field_name}"


def test_each_domain_keeps_its_own_rows():
    seen: dict[str, str] = {}
    for domain, rows in RULE_ROWS.items():
        for key in rows:
            assert key not in seen, f"{key} ruled in {seen[key]} and {domain}"
            seen[key] = domain
