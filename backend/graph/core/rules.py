"""Field-level authorization: the rules, and the one table every domain package contributes rows to.

Each cell of the table names a rule; a rule looks at the context and the object the field belongs to
and says VISIBLE, MASKED or DENIED. Each domain package keeps its rows in its own `rules.py`
(`ROWS: dict["Type.field", (household, partner, staff, anonymous)]`); `backend.graph.schema` merges them
into one `RuleTable`, which the gate applies to every field resolution. Fields of Wrapper types
(connections, edges, page info, payloads) need no rows: what they carry is ruled where it is defined.
`tests/graph/test_rules_cover_schema.py` fails when any other field of the schema has no row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from backend.domain.idnumber import mask_id_number, mask_phone
from backend.policy import Relation, holder_may, is_admin, is_auditor, is_clerk_or_admin, relation
from backend.principals import PrincipalKind


class Access(Enum):
    VISIBLE = "visible"
    MASKED = "masked"
    DENIED = "denied"


VISIBLE, MASKED, DENIED = Access.VISIBLE, Access.MASKED, Access.DENIED


@dataclass(frozen=True)
class Rule:
    name: str  # as docs/graphql.md shows it
    decide: Callable[[Any, Any], Access]  # (context, parent object) -> Access
    mask: Callable[[Any], Any] | None = None
    audited: bool = False  # a read of personal data: the gate records it for the audit log


def _subject(root: Any):
    return root.subject_ids()[0]


def _by_relation(self_: Access, family: Access, known: Access = DENIED):
    table = {Relation.SELF: self_, Relation.FAMILY: family, Relation.KNOWN: known, Relation.OTHER: DENIED}

    def decide(ctx, root) -> Access:
        return table[relation(ctx.principal.id, _subject(root), ctx.scope.family_ids, ctx.scope.known_ids)]

    return decide


def _self_or_holder(scope: str | None):
    """The person, or the holder of an active binding over them that grants this scope (R9)."""

    def decide(ctx, root) -> Access:
        subject = _subject(root)
        return VISIBLE if subject == ctx.principal.id or holder_may(ctx.scope.held, subject, scope) else DENIED

    return decide


def _when(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Access]:
    return lambda ctx, root: VISIBLE if test(ctx, root) else DENIED


ALLOW = Rule("visible", lambda ctx, root: VISIBLE)
DENY = Rule("denied", lambda ctx, root: DENIED)
SELF = Rule("self", _by_relation(VISIBLE, DENIED))
SELF_OR_FAMILY = Rule("self or family", _by_relation(VISIBLE, VISIBLE))
NAMED = Rule("self, family or known", _by_relation(VISIBLE, VISIBLE, VISIBLE))
ID_SELF_FAMILY_MASKED = Rule("self; masked for family and known", _by_relation(VISIBLE, MASKED, MASKED), mask=mask_id_number)
PHONE_SELF_FAMILY_MASKED = Rule("self; masked for family", _by_relation(VISIBLE, MASKED), mask=mask_phone)
SELF_OR_HOLDER = Rule("self or holder", _self_or_holder(None))
SELF_OR_INSURANCE_HOLDER = Rule("self or holder with `view_insurance`", _self_or_holder("view_insurance"))
SELF_OR_ACCOUNT_HOLDER = Rule("self or holder with `view_account`", _self_or_holder("view_account"))
PARTY = Rule("party to it", _when(lambda ctx, root: ctx.principal.id in root.subject_ids()))
MEMBER = Rule("member", _when(lambda ctx, root: root.household_id in ctx.household_ids))
OWN_INSTITUTION = Rule("own institution", _when(lambda ctx, root: root.institution_id == ctx.principal.id))
OWN_INSTITUTION_AUDITED = Rule("own institution+audited", OWN_INSTITUTION.decide, audited=True)
AUDITED = Rule("visible+audited", lambda ctx, root: VISIBLE, audited=True)
CLERK_OR_ADMIN = Rule("clerk or admin", _when(lambda ctx, root: is_clerk_or_admin(ctx.principal)))
AUDITOR = Rule("auditor or admin", _when(lambda ctx, root: is_auditor(ctx.principal)))
ADMIN = Rule("admin", _when(lambda ctx, root: is_admin(ctx.principal)))

HOUSEHOLD, PARTNER, STAFF, ANONYMOUS = (PrincipalKind.HOUSEHOLD, PrincipalKind.PARTNER, PrincipalKind.STAFF,
                                        PrincipalKind.ANONYMOUS)
COLUMNS = (HOUSEHOLD, PARTNER, STAFF, ANONYMOUS)
COLUMN = {kind: i for i, kind in enumerate(COLUMNS)}

# Rows that recur: who may do or see a thing, per kind of caller.
HOUSEHOLD_ONLY = (ALLOW, DENY, DENY, DENY)
PARTNER_ONLY = (DENY, ALLOW, DENY, DENY)
STAFF_ONLY = (DENY, DENY, ALLOW, DENY)
PERSON_DATA = (SELF_OR_FAMILY, DENY, AUDITED, DENY)
# A type reached only through a field whose own row decides who gets there (a FamilyEdge through
# Person.family, a LedgerEntry through Person.ledger, ...): whoever reached it reads it.
REACHED_THROUGH_PARENT = (ALLOW, ALLOW, ALLOW, ALLOW)

Row = tuple[Rule, Rule, Rule, Rule]


class RuleTable:
    """Every field's row, merged from the domain packages; Wrapper types pass whole."""

    def __init__(self, parts: Iterable[Mapping[str, Row]], wrapper_types: Iterable[str] = ()) -> None:
        self.rows: dict[str, Row] = {}
        for part in parts:
            for key, row in part.items():
                if key in self.rows:
                    raise ValueError(f"two rules for {key}")
                self.rows[key] = row
        self.wrapper_types = frozenset(wrapper_types)

    def rule_for(self, type_name: str, field_name: str, kind: PrincipalKind) -> Rule | None:
        if type_name in self.wrapper_types:
            return ALLOW
        row = self.rows.get(f"{type_name}.{field_name}")
        return row[COLUMN[kind]] if row else None


# `node(id:)` answers only with what the type's own `id` rule lets the caller see.
ROWS = {
    "Query.node": (ALLOW, ALLOW, ALLOW, DENY),
    # A refused bill's line errors, reached only through the caller's own OperationError.
    "LineError.line": REACHED_THROUGH_PARENT,
    "LineError.code": REACHED_THROUGH_PARENT,
    "LineError.message": REACHED_THROUGH_PARENT,
    "LineError.field": REACHED_THROUGH_PARENT,
}
