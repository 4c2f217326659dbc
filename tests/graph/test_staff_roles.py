"""Every staff action × clerk / auditor / admin → allowed or denied, in one table, on every backend.

"Allowed" means the gate let the caller through: the operation ran (its answer may still be a typed
refusal about the input, such as NOT_FOUND for a made-up id). "Denied" means the gate refused it: a
mutation answers NOT_ALLOWED, a query field FORBIDDEN, and nothing is written.

Add a row here for every staff query or mutation; `test_every_staff_field_has_a_row` fails until you do.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest

from backend.graph.core.ids import to_global_id
from tests.helpers import gql, staff

pytestmark = pytest.mark.one_database

CLERK, AUDITOR, ADMIN = "clerk", "auditor", "admin"
ROLES = (CLERK, AUDITOR, ADMIN)
ALL_STAFF = frozenset(ROLES)
READERS = frozenset({AUDITOR, ADMIN})
CLERKS = frozenset({CLERK, ADMIN})
ADMINS = frozenset({ADMIN})
NOBODY_ID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class StaffAction:
    name: str  # Query.x or Mutation.x: the field it exercises
    document: str
    allowed: frozenset[str]
    variables: dict = field(default_factory=dict)


# --- people, relationships, audit, limits, settlements (before issue 8) ---
CORE = [
    StaffAction("Query.people", '{ people(search: "张", first: 5) { totalCount } }', ALL_STAFF),
    StaffAction("Query.relationshipClaims", "{ relationshipClaims(first: 5) { totalCount } }", ALL_STAFF),
    StaffAction("Query.auditEvents", "{ auditEvents(first: 5) { totalCount } }", READERS),
    StaffAction("Mutation.verifyRelationship",
                'mutation($id: ID!) { verifyRelationship(input: {relationshipId: $id, method: REGISTRY}) '
                "{ __typename ... on OperationError { code } } }", CLERKS,
                {"id": to_global_id("Relationship", NOBODY_ID)}),
    StaffAction("Mutation.rejectRelationship",
                'mutation($id: ID!) { rejectRelationship(input: {relationshipId: $id, reason: "no papers"}) '
                "{ __typename ... on OperationError { code } } }", CLERKS,
                {"id": to_global_id("Relationship", NOBODY_ID)}),
    StaffAction("Mutation.approveBinding",
                "mutation($id: ID!) { approveBinding(input: {bindingId: $id}) "
                "{ __typename ... on OperationError { code } } }", CLERKS,
                {"id": to_global_id("Binding", NOBODY_ID)}),
    StaffAction("Mutation.reverseSettlement",
                'mutation($id: ID!) { reverseSettlement(input: {settlementId: $id, reason: "duplicate"}) '
                "{ __typename ... on OperationError { code } } }", CLERKS,
                {"id": to_global_id("Settlement", NOBODY_ID)}),
    StaffAction("Mutation.setPolicyLimit",
                'mutation { setPolicyLimit(input: {name: "bindings_per_holder", regionPrefix: "3701", value: 5}) '
                "{ __typename ... on OperationError { code } } }", ADMINS),
]

# --- roster import (issue 8 §1) ---
class _Upload:
    """What an uploaded file looks like to a resolver (Starlette's UploadFile): a name and a binary file."""

    filename = "roster.csv"

    @property
    def file(self):
        return io.BytesIO(b"id_number,name\n")


_IMPORT_ID = {"id": to_global_id("RosterImport", NOBODY_ID)}
ROSTER: list[StaffAction] = [
    StaffAction("Query.rosterImports", "{ rosterImports(first: 5) { totalCount } }", READERS),
    StaffAction("Query.rosterImport", "query($id: ID!) { rosterImport(id: $id) { status } }", READERS, _IMPORT_ID),
    # An encoding nobody reads: admins get a typed refusal about it, and no job starts.
    StaffAction("Mutation.startRosterImport",
                'mutation($file: Upload!) { startRosterImport(input: {file: $file, encoding: "latin-1"}) '
                "{ __typename ... on OperationError { code } } }", ADMINS, {"file": _Upload()}),
    StaffAction("Mutation.confirmRosterImport",
                "mutation($id: ID!) { confirmRosterImport(input: {importId: $id}) "
                "{ __typename ... on OperationError { code } } }", ADMINS, _IMPORT_ID),
    StaffAction("Mutation.cancelRosterImport",
                "mutation($id: ID!) { cancelRosterImport(input: {importId: $id}) "
                "{ __typename ... on OperationError { code } } }", ADMINS, _IMPORT_ID),
]

# --- settlement parameters and policy limits (issue 8 §2) ---
NEW_VERSION = """mutation { createParameterVersion(input: {regionPrefix: "3702", effectiveFrom: "2026-01-01",
  label: "Qingdao 2026", bSelfPayFirstBp: 1000, premiumFen: 40000,
  amounts: [{insuranceType: EMPLOYEE, deductibleFen: 20000, annualFundCapFen: 40000000},
            {insuranceType: RESIDENT, deductibleFen: 10000, annualFundCapFen: 25000000}],
  fundRatios: [{insuranceType: EMPLOYEE, visitType: OUTPATIENT, level: 0, ratioBp: 7000},
               {insuranceType: EMPLOYEE, visitType: INPATIENT, level: 0, ratioBp: 8500},
               {insuranceType: EMPLOYEE, visitType: PHARMACY, level: 0, ratioBp: 7000},
               {insuranceType: RESIDENT, visitType: OUTPATIENT, level: 0, ratioBp: 5000},
               {insuranceType: RESIDENT, visitType: INPATIENT, level: 0, ratioBp: 6500},
               {insuranceType: RESIDENT, visitType: PHARMACY, level: 0, ratioBp: 5000}]})
  { __typename ... on OperationError { code } } }"""
PARAMETERS: list[StaffAction] = [
    StaffAction("Query.parameterVersions", '{ parameterVersions(regionPrefix: "3701") { label } }', ALL_STAFF),
    StaffAction("Query.parametersInForce", '{ parametersInForce(regionCode: "370102", on: "2026-03-01") { label } }',
                ALL_STAFF),
    StaffAction("Mutation.createParameterVersion", NEW_VERSION, ADMINS),
    StaffAction("Query.policyLimits", "{ policyLimits { name regionPrefix value } }", ALL_STAFF),
]

# --- partners and staff (issue 8 §3) ---
_PARTNER_ID = {"id": to_global_id("Institution", NOBODY_ID)}
_KEY_ID = {"id": to_global_id("ApiKey", NOBODY_ID)}
_STAFF_ID = {"id": to_global_id("StaffUser", NOBODY_ID)}


def _by_id(mutation: str, input_field: str, extra: str = "") -> str:
    return (f'mutation($id: ID!) {{ {mutation}(input: {{{input_field}: $id, reason: "audit test"{extra}}}) '
            "{ __typename ... on OperationError { code } } }")


PARTNERS_AND_STAFF: list[StaffAction] = [
    StaffAction("Query.institutions", "{ institutions { edges { node { name apiKeys { prefix live } } } } }", ADMINS),
    StaffAction("Query.staffUsers", "{ staffUsers { edges { node { username role active } } } }", ADMINS),
    StaffAction("Mutation.registerPartner",
                'mutation { registerPartner(input: {name: "历下区人民医院", kind: HOSPITAL, level: 2, regionCode: "370102", '
                'reason: "contract"}) { __typename ... on OperationError { code } } }', ADMINS),
    StaffAction("Mutation.issueApiKey", _by_id("issueApiKey", "partnerId"), ADMINS, _PARTNER_ID),
    StaffAction("Mutation.rotateApiKey", _by_id("rotateApiKey", "keyId"), ADMINS, _KEY_ID),
    StaffAction("Mutation.revokeApiKey", _by_id("revokeApiKey", "keyId"), ADMINS, _KEY_ID),
    StaffAction("Mutation.disablePartner", _by_id("disablePartner", "partnerId"), ADMINS, _PARTNER_ID),
    StaffAction("Mutation.enablePartner", _by_id("enablePartner", "partnerId"), ADMINS, _PARTNER_ID),
    StaffAction("Mutation.addStaffUser",
                'mutation { addStaffUser(input: {username: "clerk99", name: "王芳", role: CLERK, '
                'password: "first-password", reason: "new clerk"}) { __typename ... on OperationError { code } } }',
                ADMINS),
    StaffAction("Mutation.setStaffRole", _by_id("setStaffRole", "staffId", ", role: AUDITOR"), ADMINS, _STAFF_ID),
    StaffAction("Mutation.disableStaffUser", _by_id("disableStaffUser", "staffId"), ADMINS, _STAFF_ID),
    StaffAction("Mutation.enableStaffUser", _by_id("enableStaffUser", "staffId"), ADMINS, _STAFF_ID),
]

# --- search and dashboard (issue 8 §4, §5) ---
SEARCH_AND_DASHBOARD = [
    StaffAction("Query.dashboard", "{ dashboard { today { count billFen } pendingClaims } }", ALL_STAFF),
]

# --- the catalogue and item mappings (issue 23) ---
CATALOGUE = [
    StaffAction("Query.catalogueImports", "{ catalogueImports(first: 5) { totalCount } }", ALL_STAFF),
    StaffAction("Query.catalogueImport", "query($id: ID!) { catalogueImport(id: $id) { status } }", ALL_STAFF,
                {"id": to_global_id("CatalogueImport", NOBODY_ID)}),
    StaffAction("Mutation.importCatalogue",
                'mutation($file: Upload!) { importCatalogue(input: {file: $file, encoding: "latin-1"}) '
                "{ __typename ... on OperationError { code } } }", CLERKS, {"file": _Upload()}),
    StaffAction("Mutation.decideItemMapping", _by_id("decideItemMapping", "mappingId", ", approve: true"), CLERKS,
                {"id": to_global_id("ItemMapping", NOBODY_ID)}),
]

TABLE = CORE + ROSTER + PARAMETERS + PARTNERS_AND_STAFF + SEARCH_AND_DASHBOARD + CATALOGUE


def _refused(result) -> bool:
    codes = {(e.extensions or {}).get("code") for e in result.errors or []}
    if "FORBIDDEN" in codes:
        return True
    return any(isinstance(v, dict) and v.get("code") == "NOT_ALLOWED" for v in (result.data or {}).values())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", TABLE, ids=lambda a: a.name)
def test_staff_action_by_role(rt, action: StaffAction, role: str):
    result = gql(rt, staff(rt, role), action.document, **action.variables)
    assert {(e.extensions or {}).get("code") for e in result.errors or []} <= {"FORBIDDEN"}, result.errors
    assert _refused(result) == (role not in action.allowed), (action.name, role, result)


def test_every_staff_field_has_a_row():
    """Every Query or Mutation field a staff caller may reach, and nobody else, is in the table."""
    from backend.graph.core.rules import DENY
    from backend.graph.schema import RULE_ROWS

    rows = {name: row for package in RULE_ROWS.values() for name, row in package.items()}
    staff_only = {name for name, row in rows.items() if name.split(".")[0] in ("Query", "Mutation")
                  and row[0] is DENY and row[1] is DENY and row[2] is not DENY}
    assert staff_only <= {a.name for a in TABLE}, sorted(staff_only - {a.name for a in TABLE})
