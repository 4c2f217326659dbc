"""The console's parameters and limits pages: every staff member reads them, admins create versions and
set caps; a refusal is shown beside its field and writes nothing."""

import re

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from backend.storage.models import ParameterSet, PolicyLimit
from tests.helpers import count, staff
from web.app import create_app


def _staff_client(rt, role):
    staff(rt, role, username=f"{role}p")
    client = TestClient(create_app(rt), headers={"Accept-Language": "en"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": f"{role}p", "password": "pw", "csrf_token": token})
    return client


def _form(page_html: str) -> dict[str, str]:
    """The new-version form's fields as the page prefilled them."""
    form = re.search(r'<form method="post" action="/console/parameters".*?</form>', page_html, re.S).group(0)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = value.group(1) if value else ""
    return fields


@pytest.fixture
def admin(rt):
    with _staff_client(rt, "admin") as client:
        yield client


def test_the_form_is_prefilled_from_the_version_in_force_and_creates_a_new_one(rt, admin):
    page = admin.get("/console/parameters", params={"prefix": "3701"})
    assert page.status_code == 200 and 'id="history-3701"' in page.text and 'id="history-37"' in page.text
    form = _form(page.text)
    # Today is 2026-03-02 (the tests' clock): the Jinan 2026 version, in yuan and percent.
    # The values, not the name: a new version is not "SAMPLE Jinan 2026".
    assert (form["regionPrefix"], form["label"], form["deductibleFen.employee"], form["bSelfPayFirstBp"]) == (
        "3701", "", "200.00", "10.00")
    assert "Prefilled from “SAMPLE Jinan 2026”, in force from 2026-01-01." in page.text
    assert form["fundRatioBp.employee.inpatient.2"] == "88.00" and form["effectiveFrom"] == ""
    form |= {"effectiveFrom": "2026-04-01", "label": "Jinan from April 2026", "fundRatioBp.resident.pharmacy.0": "52.5",
             "deductibleFen.resident": "95.50"}
    done = admin.post("/console/parameters", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/console/parameters?prefix=3701"
    with rt.db.read() as s:
        row = s.exec(select(ParameterSet).where(ParameterSet.label == "Jinan from April 2026")).one()
    assert row.deductible_resident_fen == 95_50 and '"pharmacy": {"0": 5250}' in row.fund_ratio_bp
    assert "Jinan from April 2026" in admin.get("/console/parameters").text


@pytest.mark.parametrize("change, field, message", [
    ({"fundRatioBp.employee.outpatient.1": "100.5"}, "fundRatioBp.employee.outpatient.1", "A ratio is a percentage"),
    ({"fundRatioBp.employee.outpatient.1": "70.125"}, "fundRatioBp.employee.outpatient.1", "A ratio is a percentage"),
    ({"fundRatioBp.resident.inpatient.0": ""}, "fundRatioBp.resident.inpatient.0", "Required"),
    ({"deductibleFen.employee": "-1"}, "deductibleFen.employee", "cannot be negative"),
    ({"premiumFen": "12.345"}, "premiumFen", "at most two decimal places"),
    ({"effectiveFrom": "2026-13-01"}, "effectiveFrom", "Enter a date"),
    ({"regionPrefix": "3"}, "regionPrefix", "A region prefix is"),  # refused by the graph
    ({"label": ""}, "label", "A label has 1 to 80 characters"),
])
def test_a_refusal_is_shown_beside_its_field(rt, admin, change, field, message):
    form = _form(admin.get("/console/parameters", params={"prefix": "3701"}).text)
    form |= {"effectiveFrom": "2026-04-01", "label": "April"} | change
    before = count(rt, ParameterSet)
    refused = admin.post("/console/parameters", data=form)
    assert refused.status_code == 400
    assert re.search(rf'id="{re.escape(field)}"[^>]*aria-invalid="true"', refused.text), field
    error = re.search(rf'<p class="error" id="{re.escape(field)}-error" role="alert">([^<]*)</p>', refused.text)
    assert error and message in error.group(1)
    assert count(rt, ParameterSet) == before


def test_after_a_refusal_the_note_still_names_the_version_the_form_came_from(rt, admin):
    form = _form(admin.get("/console/parameters", params={"prefix": "3701"}).text)
    refused = admin.post("/console/parameters", data=form | {"effectiveFrom": "2026-04-01", "label": ""})
    assert refused.status_code == 400 and 'id="label-error"' in refused.text
    note = re.search(r'<p class="muted" id="prefilled-from">([^<]*)</p>', refused.text).group(1)
    assert note == "Prefilled from “SAMPLE Jinan 2026”, in force from 2026-01-01."  # not Shandong's, listed first


def test_a_date_more_than_two_years_ahead_is_asked_about_and_then_taken(rt, admin):
    form = _form(admin.get("/console/parameters", params={"prefix": "3701"}).text)
    form |= {"effectiveFrom": "2030-01-01", "label": "Jinan 2030"}
    asked = admin.post("/console/parameters", data=form)
    assert asked.status_code == 400 and "2030-01-01 is more than 2 years ahead" in asked.text
    assert 'id="confirmFarAhead"' in asked.text and count(rt, ParameterSet) == 4
    done = admin.post("/console/parameters", data=form | {"confirmFarAhead": "1"}, follow_redirects=False)
    assert done.status_code == 303 and count(rt, ParameterSet) == 5


def test_clerks_and_auditors_read_the_history_without_a_form(rt, admin):
    form = _form(admin.get("/console/parameters", params={"prefix": "3701"}).text)
    form |= {"effectiveFrom": "2026-04-01", "label": "April"}
    for role in ("clerk", "auditor"):
        with _staff_client(rt, role) as client:
            page = client.get("/console/parameters")
            assert page.status_code == 200 and "SAMPLE Jinan 2025" in page.text and 'id="version-form"' not in page.text
            assert 'href="/console/parameters"' in page.text and 'href="/console/limits"' in page.text
            token = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text).group(1)
            refused = client.post("/console/parameters", data=form | {"csrf_token": token})
            assert refused.status_code == 400 and "You are not allowed to do this." in refused.text
    assert count(rt, ParameterSet) == 4


def test_an_admin_sets_a_limit_and_a_clerk_reads_it(rt, admin):
    defaults = count(rt, PolicyLimit)  # the settlement policy's, migration 0014's
    page = admin.get("/console/limits")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = admin.post("/console/limits", data={"csrf_token": token, "name": "bindings_per_holder",
                                              "regionPrefix": "3701", "value": "100"})
    assert bad.status_code == 400 and 'id="value-error"' in bad.text
    bad_prefix = admin.post("/console/limits", data={"csrf_token": token, "name": "bindings_per_holder",
                                                     "regionPrefix": "37x", "value": "3"})
    assert bad_prefix.status_code == 400 and 'id="regionPrefix-error"' in bad_prefix.text
    unknown = admin.post("/console/limits", data={"csrf_token": token, "name": "bindings_per_holder",
                                                  "regionPrefix": "3799", "value": "3"})
    assert unknown.status_code == 400 and "not the code of Shandong (37)" in unknown.text
    assert count(rt, PolicyLimit) == defaults
    done = admin.post("/console/limits", data={"csrf_token": token, "name": "bindings_per_holder",
                                               "regionPrefix": "3701", "value": "3"}, follow_redirects=False)
    assert done.status_code == 303
    with _staff_client(rt, "clerk") as clerk:
        shown = clerk.get("/console/limits")
        assert re.search(r"Bindings per holder</td><td>3701</td><td>3</td>", shown.text)
        # The settlement policy's defaults are there too, for every region.
        assert re.search(r"Days after the service date to settle a pharmacy bill</td><td>Everywhere</td><td>30</td>",
                         shown.text)
        assert re.search(r"Hospitals settle pharmacy visits \(1 yes, 0 no\)</td><td>Everywhere</td><td>0</td>", shown.text)
        assert 'id="limit-form"' not in shown.text
