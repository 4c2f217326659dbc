"""The schema: Query, Mutation and the rule table composed from the domain packages, and the extensions
every operation runs through."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLObjectType, VariableDefinitionNode
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from backend.config import Settings
from backend.graph import composed
from backend.graph.core import direct, gate
from backend.graph.core import rules as core_rules
from backend.graph.core.gate import Gate
from backend.graph.core.node import NodeQuery, node_classes
from backend.graph.core.observe import Observe
from backend.graph.core.rules import RuleTable
from backend.graph.core.scalars import SCALARS
from backend.graph.core.wrappers import Wrapper
from backend.graph.packages import PACKAGES

log = logging.getLogger(__name__)

# Each domain package's rows of the rule table, and core's (Query.node); `composed` registers Person and
# Institution as nodes.
RULE_ROWS = {"core": core_rules.ROWS} | {package.name: package.rules for package in PACKAGES}
COMPOSED = (composed.Person, composed.Institution)

Query = strawberry.type(type("Query", (NodeQuery, *(p.query for p in PACKAGES if p.query)), {}))
Mutation = strawberry.type(type("Mutation", tuple(p.mutation for p in PACKAGES if p.mutation), {}))


def wrapper_types(schema: strawberry.Schema) -> set[str]:
    """GraphQL names of the object types built from a Wrapper class (generic connections included)."""
    names = set()
    for name, gtype in schema._schema.type_map.items():
        definition = (gtype.extensions or {}).get("strawberry-definition") if isinstance(gtype, GraphQLObjectType) \
            else None
        origin = getattr(definition, "origin", None)
        if isinstance(origin, type) and issubclass(origin, Wrapper):
            names.add(name)
    return names
def _bad_variable(error) -> bool:
    """A variable value that does not fit its type: graphql-core reports it at the variable's definition."""
    return any(isinstance(node, VariableDefinitionNode) for node in error.nodes or ())


def _unexpected(error) -> bool:
    return error.original_error is not None and not (error.extensions or {}).get("code") and not _bad_variable(error)


class Schema(strawberry.Schema):
    rules: RuleTable  # the merged rule table the gate and `node` consult

    def process_errors(self, errors, execution_context=None) -> None:
        # Refusals carry a code, and invalid documents are the caller's business: log only failures
        # raised inside resolvers that nobody expected.
        for error in errors:
            if _bad_variable(error):
                log.info("client error: %s", error.message)
        unexpected = [e for e in errors if _unexpected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings) -> Schema:
    # Validation rules are built once: the shared ValidationCache keys on the rule classes, and a
    # limiter made per request would bring new classes, and a cache miss, every time.
    rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    if not settings.development:
        rules.append(NoSchemaIntrospectionCustomRule)
    extensions: list = [
        Observe,
        Gate,
        # An unexpected failure must not show callers its SQL or values; refusals carry a code and pass.
        lambda: MaskErrors(should_mask_error=_unexpected, error_message="Unexpected error."),
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        ParserCache,
        ValidationCache,
    ]
    schema = Schema(query=Query, mutation=Mutation, extensions=extensions,
                    config=StrawberryConfig(disable_field_suggestions=not settings.development, scalar_map=SCALARS),
                    types=node_classes())
    schema.rules = RuleTable(RULE_ROWS.values(), wrapper_types(schema))
    direct.install(schema)
    gate.install(schema._schema, schema.rules)
    return schema
