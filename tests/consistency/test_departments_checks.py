"""A department's own check: the body's ``department`` picks the part of the standard a submission gives, who may
give it, and amendments and conflicts per part. Every role inside and outside its scope."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consistency.models import DailyCheck
from tests.conftest import client_for

from .checks_support import check_body, local_today, submit
from .departments_support import ACCOUNTING_PART, SITE_PART, department_standard

pytestmark = pytest.mark.django_db


def site_body(site, **extra):
    body = check_body(site, **extra)
    body["results"] = [r for r in body["results"] if r["criterion"] in SITE_PART]
    return body


def accounting_body(site, values=None, **extra):
    body = check_body(site, **extra)
    given = {**ACCOUNTING_PART, **(values or {})}
    body["results"] = [{"criterion": k, "value": v, "note": ""} for k, v in given.items()]
    return body


@pytest.fixture
def departments(network):
    return department_standard()


def test_the_manager_gives_the_sites_part_only(network, departments):
    manager = client_for(network.manager_a)
    response = submit(manager, "A1", site_body(network.a1))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["department"] is None
    assert [r["criterion"] for r in body["results"]] == ["phone_rings", "phone_greeting", "restroom_clean"]
    # Accounting's criterion is not the site's to give.
    refused = submit(manager, "A1", check_body(network.a1, day=local_today(network.a1) - dt.timedelta(days=1)))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "criterion_outside_part"
    assert "the site's daily check (version 1)" in refused.json()["errors"][0]["message"]


def test_the_sites_part_must_be_whole(network, departments):
    body = site_body(network.a1)
    body["results"] = body["results"][:2]
    refused = submit(client_for(network.manager_a), "A1", body)
    assert refused.status_code == 400
    assert "every criterion of the site's daily check (version 1) needs a result" in refused.content.decode()


def test_a_manager_giving_accountings_part_is_told_who_gives_it(network, departments):
    refused = submit(client_for(network.manager_a), "A1", accounting_body(network.a1, department="accounting"))
    assert refused.status_code == 403
    error = refused.json()["errors"][0]
    assert error["field"] == "department" and error["code"] == "not_your_part"
    assert error["message"] == ("The Accounting department's touch points are submitted by the Accounting "
                                "department's own staff, for the sites they serve.")


def test_department_staff_give_their_part_by_default_for_the_sites_they_serve(network, departments):
    accountant = client_for(network.accountant)
    for code, site in (("A1", network.a1), ("A2", network.a2)):
        response = submit(accountant, code, accounting_body(site))
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["department"] == "accounting" and body["site"] == code
        assert [r["criterion"] for r in body["results"]] == ["delivery_on_time_pct"]
        assert body["submitted_by"] == "accountant"
    # Naming it is the same.
    named = submit(accountant, "A1", accounting_body(network.a1, department="accounting",
                                                     day=local_today(network.a1) - dt.timedelta(days=1)))
    assert named.status_code == 201
    # A site it does not serve: 404, as for any site one cannot read.
    assert submit(accountant, "B1", accounting_body(network.b1)).status_code == 404


def test_department_staff_cannot_give_the_sites_part_nor_another_departments(network, departments):
    from consistency.models import Department, SubmittedBy

    Department.objects.create(key="collections", name="Collections", submitted_by=SubmittedBy.DEPARTMENT)
    accountant = client_for(network.accountant)
    # The site's part is not theirs, whatever they name.
    for body in (site_body(network.a1, department="front_desk"),):
        refused = submit(accountant, "A1", body)
        assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "site_department"
    refused = submit(accountant, "A1", accounting_body(network.a1, department="collections"))
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "department"


def test_department_staff_sending_the_sites_criteria_without_naming_a_part_are_refused(network, departments):
    refused = submit(client_for(network.accountant), "A1", site_body(network.a1))
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert {e["code"] for e in errors} == {"criterion_outside_part", "missing_criteria"}
    assert all("the Accounting department's touch points" in e["message"] for e in errors)


def test_a_department_with_no_own_staff_and_an_unknown_key_are_400s_naming_the_field(network, departments):
    manager = client_for(network.manager_a)
    unknown = submit(manager, "A1", site_body(network.a1, department="cleaning"))
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0] == {
        "field": "department", "code": "unknown_department",
        "message": "department: 'cleaning' is not a department that submits checks of its own (accounting)."}
    bad = submit(manager, "A1", site_body(network.a1, department=7))
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "department"


def test_head_office_gives_any_part(network, departments):
    head = client_for(network.head_office)
    assert submit(head, "B1", site_body(network.b1)).status_code == 201
    response = submit(head, "B1", accounting_body(network.b1, department="accounting"))
    assert response.status_code == 201 and response.json()["department"] == "accounting"


def test_readers_outside_write_scope_are_refused(network, departments):
    for user in (network.auditor, network.shopper):
        assert submit(client_for(user), "A1", accounting_body(network.a1, department="accounting")).status_code \
            in (403, 404)


def test_one_check_per_part_per_day_and_conflicts_name_the_parts_check(network, departments):
    manager, accountant = client_for(network.manager_a), client_for(network.accountant)
    site = submit(manager, "A1", site_body(network.a1)).json()
    accounts = submit(accountant, "A1", accounting_body(network.a1)).json()
    assert site["id"] != accounts["id"]
    assert DailyCheck.objects.filter(site=network.a1, is_current=True).count() == 2
    again = submit(accountant, "A1", accounting_body(network.a1))
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "check_exists"
    assert f"already has check {accounts['id']} from this department" in again.json()["errors"][0]["message"]
    again = submit(manager, "A1", site_body(network.a1))
    assert again.status_code == 409 and f"already has check {site['id']} for" in again.json()["errors"][0]["message"]


def test_amendments_are_per_part(network, departments):
    manager, accountant = client_for(network.manager_a), client_for(network.accountant)
    site = submit(manager, "A1", site_body(network.a1)).json()
    accounts = submit(accountant, "A1", accounting_body(network.a1, values={"delivery_on_time_pct": 50})).json()
    # The accountant amends their own check; the site's stays current.
    amended = submit(accountant, "A1", accounting_body(network.a1, amends=accounts["id"], reason="typo"))
    assert amended.status_code == 201, amended.content
    assert amended.json()["department"] == "accounting" and amended.json()["amends"] == accounts["id"]
    current = set(DailyCheck.objects.filter(site=network.a1, is_current=True).values_list("pk", flat=True))
    assert current == {site["id"], amended.json()["id"]}
    # Amending the site's check as accounting's part: refused, naming the part.
    wrong = submit(accountant, "A1", accounting_body(network.a1, amends=site["id"], reason="x"))
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "department"
    assert "is the site's daily check" in wrong.json()["errors"][0]["message"]
    wrong = submit(client_for(network.head_office), "A1", site_body(network.a1, amends=amended.json()["id"],
                                                                   reason="x"))
    assert wrong.status_code == 400 and "is the Accounting department's check" in wrong.content.decode()


def test_the_lists_and_detail_name_the_department(network, departments):
    submit(client_for(network.manager_a), "A1", site_body(network.a1))
    accounts = submit(client_for(network.accountant), "A1", accounting_body(network.a1)).json()
    listed = client_for(network.head_office).get("/api/v1/sites/A1/checks/").json()["results"]
    assert sorted((c["department"] or "") for c in listed) == ["", "accounting"]
    detail = client_for(network.manager_a).get(f"/api/v1/checks/{accounts['id']}/").json()
    assert detail["department"] == "accounting"
    assert [r["criterion"] for r in detail["results"]] == ["delivery_on_time_pct"]


def test_department_staff_read_the_sites_they_serve(network, departments):
    accountant = client_for(network.accountant)
    assert accountant.get("/api/v1/sites/A1/checks/").status_code == 200
    assert accountant.get("/api/v1/sites/B1/checks/").status_code in (403, 404)


def test_a_department_submission_costs_what_a_sites_does(network, departments):
    manager, accountant = client_for(network.manager_a), client_for(network.accountant)
    submit(manager, "A1", site_body(network.a1, day=local_today(network.a1) - dt.timedelta(days=2)))
    with CaptureQueriesContext(connection) as site_queries:
        assert submit(manager, "A1", site_body(network.a1)).status_code == 201
    submit(accountant, "A2", accounting_body(network.a2, day=local_today(network.a2) - dt.timedelta(days=2)))
    with CaptureQueriesContext(connection) as dept_queries:
        assert submit(accountant, "A2", accounting_body(network.a2)).status_code == 201
    # Department staff's department is read once more (their profile's department row).
    assert len(dept_queries) == len(site_queries) + 1, "\n".join(q["sql"] for q in dept_queries.captured_queries)
