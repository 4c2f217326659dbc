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
from backend.graph.admin import rules as admin_rules
from backend.graph.admin.mutations import AdminMutation
from backend.graph.admin.queries import AdminQuery
from backend.graph.core import direct, gate
from backend.graph.core import rules as core_rules
from backend.graph.core.gate import Gate
from backend.graph.core.node import NodeQuery, node_classes
from backend.graph.core.observe import Observe
from backend.graph.core.rules import RuleTable
from backend.graph.core.scalars import SCALARS
from backend.graph.core.wrappers import Wrapper
from backend.graph.dashboard import rules as dashboard_rules
from backend.graph.dashboard.queries import DashboardQuery
from backend.graph.family import rules as family_rules
from backend.graph.family.mutations import FamilyMutation
from backend.graph.family.queries import FamilyQuery
from backend.graph.family_account import rules as family_account_rules
from backend.graph.family_account.mutations import FamilyAccountMutation
from backend.graph.family_account.queries import FamilyAccountQuery
from backend.graph.mutual_aid import rules as mutual_aid_rules
from backend.graph.mutual_aid.mutations import MutualAidMutation
from backend.graph.parameters import rules as parameters_rules
from backend.graph.parameters.mutations import ParametersMutation
from backend.graph.parameters.queries import ParametersQuery
from backend.graph.partners import rules as partners_rules
from backend.graph.partners.mutations import PartnersMutation
from backend.graph.partners.queries import PartnersQuery
from backend.graph.people import rules as people_rules
from backend.graph.people.queries import PeopleQuery
from backend.graph.preferences import rules as preferences_rules
from backend.graph.preferences.mutations import PreferencesMutation
from backend.graph.roster import rules as roster_rules
from backend.graph.roster.mutations import RosterMutation
from backend.graph.roster.queries import RosterQuery
from backend.graph.settlement import rules as settlement_rules
from backend.graph.settlement.mutations import SettlementMutation
from backend.graph.statement import rules as statement_rules

log = logging.getLogger(__name__)

# Each domain package's rows of the rule table; `composed` registers Person and Institution as nodes.
RULE_ROWS = {"core": core_rules.ROWS, "people": people_rules.ROWS, "family": family_rules.ROWS, "family_account": family_account_rules.ROWS,
             "mutual_aid": mutual_aid_rules.ROWS, "settlement": settlement_rules.ROWS, "admin": admin_rules.ROWS,
             "preferences": preferences_rules.ROWS, "statement": statement_rules.ROWS,
             "dashboard": dashboard_rules.ROWS, "parameters": parameters_rules.ROWS,
             "partners": partners_rules.ROWS, "roster": roster_rules.ROWS}
COMPOSED = (composed.Person, composed.Institution)


@strawberry.type
class Query(NodeQuery, PeopleQuery, FamilyQuery, FamilyAccountQuery, AdminQuery, DashboardQuery, ParametersQuery,
            PartnersQuery, RosterQuery):
    pass


@strawberry.type
class Mutation(FamilyMutation, FamilyAccountMutation, MutualAidMutation, SettlementMutation, AdminMutation,
               PreferencesMutation, ParametersMutation, PartnersMutation, RosterMutation):
    pass


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
