"""Field x principal -> visible / masked / denied, read through the graph as each caller would."""

from datetime import date

import pytest

from backend.domain.idnumber import Sex, mask_id_number
from backend.graph.core.ids import to_global_id
from backend.principals import ANONYMOUS
from backend.services.people import family
from tests.helpers import actor_of, gql, household_principal, partner, person, relate, staff

VISIBLE, MASKED, DENIED = "visible", "masked", "denied"

SELECTIONS = {
    "id": "id",
    "name": "name",
    "idNumber": "idNumber",
    "birthDate": "birthDate",
    "sex": "sex",
    "phone": "phone",
    "insurance": "insurance { type regionCode regionName status }",
    "personalAccount": "personalAccount { balanceFen }",
    "family": "family { totalCount }",
    "households": "households { totalCount }",
}

# Who looks at 张伟's record: himself, his wife (a verified relative), a stranger, a partner, staff.
EXPECTED = {
    #                   self     family   stranger partner  staff    anonymous
    "id":              (VISIBLE, VISIBLE, DENIED,  DENIED,  VISIBLE, DENIED),
    "name":            (VISIBLE, VISIBLE, DENIED,  DENIED,  VISIBLE, DENIED),
    "idNumber":        (VISIBLE, MASKED,  DENIED,  DENIED,  VISIBLE, DENIED),
    "birthDate":       (VISIBLE, VISIBLE, DENIED,  DENIED,  VISIBLE, DENIED),
    "sex":             (VISIBLE, VISIBLE, DENIED,  DENIED,  VISIBLE, DENIED),
    "phone":           (VISIBLE, MASKED,  DENIED,  DENIED,  VISIBLE, DENIED),
    "insurance":       (VISIBLE, VISIBLE, DENIED,  DENIED,  VISIBLE, DENIED),
    "personalAccount": (VISIBLE, DENIED,  DENIED,  DENIED,  VISIBLE, DENIED),
    "family":          (VISIBLE, DENIED,  DENIED,  DENIED,  VISIBLE, DENIED),
    "households":      (VISIBLE, DENIED,  DENIED,  DENIED,  VISIBLE, DENIED),
}
VIEWERS = ("self", "family", "stranger", "partner", "staff", "anonymous")


@pytest.fixture
def world(rt):
    me = person(rt, "张伟", date(1978, 3, 14), Sex.MALE, insurance="employee", balance_fen=325_680,
                phone="13800000001")
    wife = person(rt, "李娜", date(1980, 9, 2), insurance="employee", balance_fen=100)
    stranger = person(rt, "路人", date(1990, 1, 1))
    clerk = staff(rt, "clerk")
    relate(rt, me, wife, "spouse", verify_with=clerk)
    family.create_household(rt, actor_of(me), "张家")
    principals = {
        "self": household_principal(me), "family": household_principal(wife),
        "stranger": household_principal(stranger), "partner": partner(rt)[0], "staff": clerk,
        "anonymous": ANONYMOUS,
    }
    return me, principals


def classify(result, field, raw):
    node = (result.data or {}).get("node")
    if node is None:
        return DENIED
    if node.get(field) is None:
        assert any(e.extensions.get("code") == "FORBIDDEN" for e in result.errors)
        return DENIED
    if field == "idNumber" and node[field] == mask_id_number(raw.id_number):
        return MASKED
    if field == "phone" and "*" in node[field]:
        return MASKED
    return VISIBLE


@pytest.mark.one_database
@pytest.mark.parametrize("field", list(EXPECTED))
def test_person_fields_by_principal(rt, world, field):
    me, principals = world
    query = f"query($id: ID!) {{ node(id: $id) {{ ... on Person {{ {SELECTIONS[field]} }} }} }}"
    seen = tuple(
        classify(gql(rt, principals[v], query, id=to_global_id("Person", me.id)), field, me) for v in VIEWERS
    )
    assert dict(zip(VIEWERS, seen, strict=True)) == dict(zip(VIEWERS, EXPECTED[field], strict=True))


def test_every_person_field_reads_from_each_database(rt, world):
    """Who sees a field is the gate's, checked once above; reading every field is storage, on both databases."""
    me, principals = world
    every = " ".join(SELECTIONS.values())
    result = gql(rt, principals["self"], f"query($id: ID!) {{ node(id: $id) {{ ... on Person {{ {every} }} }} }}",
                 id=to_global_id("Person", me.id))
    assert not result.errors
    node = result.data["node"]
    assert (node["name"], node["personalAccount"], node["family"], node["households"]) == (
        "张伟", {"balanceFen": 325_680}, {"totalCount": 1}, {"totalCount": 1})


@pytest.mark.one_database
def test_masked_values_look_as_documented(rt, world):
    me, principals = world
    result = gql(rt, principals["family"], "query($id: ID!) { node(id: $id) { ... on Person { idNumber phone } } }",
                 id=to_global_id("Person", me.id))
    assert result.data["node"] == {"idNumber": me.id_number[:4] + "*" * 10 + me.id_number[-4:],
                                   "phone": "138****0001"}


@pytest.mark.one_database
def test_partners_cannot_list_or_search_people(rt, world):
    _, principals = world
    result = gql(rt, principals["partner"], '{ people(search: "张") { totalCount } }')
    assert result.data == {"people": None}
    assert result.errors[0].extensions["code"] == "FORBIDDEN"


@pytest.mark.one_database
def test_household_members_cannot_search_people_either(rt, world):
    _, principals = world
    result = gql(rt, principals["self"], '{ people(search: "李") { totalCount } }')
    assert result.data == {"people": None}


def test_staff_search_finds_by_id_number_phone_or_name(rt, world):
    me, principals = world
    for text in (me.id_number, "13800000001", "张"):
        result = gql(rt, principals["staff"], "query($q: String!) { people(search: $q) { totalCount edges { node { name } } } }", q=text)
        assert result.data["people"]["edges"][0]["node"]["name"] == "张伟", text


@pytest.mark.one_database
def test_viewer_is_the_calling_principal(rt, world):
    _, principals = world
    expected = {"self": "Person", "partner": "Institution", "staff": "StaffUser"}
    for who, typename in expected.items():
        result = gql(rt, principals[who], "{ viewer { __typename } }")
        assert result.data["viewer"]["__typename"] == typename
    assert gql(rt, ANONYMOUS, "{ viewer { __typename } }").data == {"viewer": None}


@pytest.mark.one_database
def test_a_partner_sees_only_its_own_institution(rt, world):
    _, principals = world
    other, _ = partner(rt, "hospital")
    query = "query($id: ID!) { node(id: $id) { ... on Institution { name } } }"
    assert gql(rt, principals["partner"], query, id=to_global_id("Institution", other.id)).data == {"node": None}
    own = gql(rt, principals["partner"], query, id=to_global_id("Institution", principals["partner"].id))
    assert own.data["node"]["name"] == principals["partner"].name
