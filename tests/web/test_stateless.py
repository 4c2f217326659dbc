"""App processes keep no state of their own: two apps on one database (as two worker processes or two hosts
behind a load balancer) honour each other's sessions, sign-outs, tokens, attempt counters and idempotency keys.
Each app has its own Runtime and engine; they share only the database and SECRET_KEY (docs/scaling.md)."""

import re
from datetime import date

import pytest
from starlette.testclient import TestClient

from backend.domain.idnumber import Sex
from backend.runtime import Runtime
from backend.storage.db import Database
from tests.conftest import test_settings as settings_for
from tests.helpers import partner, person
from tests.money import jinan_family
from web.app import create_app

pytestmark = pytest.mark.pooler

VIEWER = {"query": "{ viewer { __typename ... on Person { name } } }"}


@pytest.fixture
def two_apps(rt, database_url):
    """The app twice: on the test's runtime, and on a runtime of its own (another engine, same database)."""
    other = Runtime(db=Database.from_url(database_url, transaction_pooling=rt.settings.database_transaction_pooling),
                    settings=settings_for(database_url), clock=rt.clock)
    with TestClient(create_app(rt)) as a, TestClient(create_app(other)) as b:
        yield a, b
    other.db.dispose()


@pytest.fixture
def me(rt):
    return person(rt, "张伟", date(1978, 3, 14), Sex.MALE, phone="13800000001", password="secret-pw")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_session_started_on_one_process_is_honoured_and_ended_on_another(two_apps, me):
    a, b = two_apps
    page = a.get("/login")
    signed_in = a.post("/login", data={"username": me.id_number, "password": "secret-pw", "csrf_token": _csrf(page.text)},
                       follow_redirects=False)
    assert signed_in.status_code == 303
    b.cookies.set("yibao_session", a.cookies.get("yibao_session"))
    family = b.get("/family", follow_redirects=False)
    assert family.status_code == 200
    assert b.post("/logout", data={"csrf_token": _csrf(family.text)}, follow_redirects=False).status_code == 303
    # Signed out on b: a's copy of the same cookie opens nothing any more.
    assert a.get("/family", follow_redirects=False).headers["location"] == "/login"


def test_a_bearer_token_from_one_process_works_on_another(two_apps, me):
    a, b = two_apps
    token = a.post("/auth/token", json={"username": me.id_number, "password": "secret-pw"}).json()["access_token"]
    viewer = b.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {token}"}).json()["data"]["viewer"]
    assert viewer == {"__typename": "Person", "name": "张伟"}


def test_wrong_passwords_count_across_processes(two_apps, me):
    a, b = two_apps
    for i in range(5):  # the limit is 5 per account in 15 minutes, wherever they land
        client = (a, b)[i % 2]
        assert client.post("/auth/token", json={"username": me.id_number, "password": "guess"}).status_code == 401
    for client in (a, b):
        refused = client.post("/auth/token", json={"username": me.id_number, "password": "secret-pw"})
        assert refused.status_code == 429


@pytest.mark.serializable
def test_a_retried_settlement_on_another_process_returns_the_first_result(rt, two_apps):
    from backend.services.family_account import codes
    from tests.helpers import actor_of
    from tests.money import map_lines

    a, b = two_apps
    fam = jinan_family(rt)
    shop, key = partner(rt, "pharmacy")
    map_lines(rt, shop.id, [{"itemCode": "X", "category": "A"}])
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    settle = {"query": """mutation($input: SettleInput!) { settle(input: $input) {
                 ... on SettlementPayload { settlement { id } } ... on OperationError { code } } }""",
              "variables": {"input": {"code": code, "visitType": "PHARMACY", "idempotencyKey": "retry-on-b",
                                      "serviceDate": rt.clock.now().date().isoformat(),
                                      "lines": [{"itemCode": "X", "name": "item", "category": "A",
                                                 "unitPriceFen": 100_00}]}}}
    headers = {"Authorization": f"Bearer {key}"}
    first = a.post("/graphql", json=settle, headers=headers).json()["data"]["settle"]
    again = b.post("/graphql", json=settle, headers=headers).json()["data"]["settle"]
    assert "settlement" in first and again == first
