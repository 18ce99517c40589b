"""/app/today/ by part: a manager sees the site's part of the standard only; department staff (accounting) see
their department's touch points, with a picker of the sites they serve; "/" sends them there."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from consistency.models import Department, SubmittedBy
from sites.models import Role
from tests.conftest import client_for
from tests.consistency.checks_support import check_body, local_today, submit
from tests.consistency.departments_support import ACCOUNTING_PART, SITE_PART, department_standard
from tests.factories import person

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fieldsets(html: str) -> list[str]:
    return re.findall(r'<fieldset class="crit[^"]*" id="c-([\w-]+)"', html)


@pytest.fixture
def departments(network):
    return department_standard()


def test_a_manager_sees_the_sites_part_only(network, departments):
    html = signed_in(network.manager_a).get("/app/today/").content.decode()
    assert fieldsets(html) == list(SITE_PART)
    assert 'data-department=""' in html and "<title>Today at A1 · Touchpoint</title>" in html


def test_department_staff_see_their_part_with_a_picker_of_the_sites_they_serve(network, departments):
    answer = signed_in(network.accountant).get("/app/today/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert fieldsets(html) == list(ACCOUNTING_PART)
    assert 'data-department="accounting"' in html and 'data-site="A1"' in html
    assert "<title>Accounting · Today at A1 · Touchpoint</title>" in html
    assert "Accounting at A1" in html and "1 criteria of the Accounting department" in html
    picker = re.search(r'<select id="site-pick" name="site">(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="([\w-]+)"', picker) == ["A1", "A2"]
    a2 = signed_in(network.accountant).get("/app/today/?site=A2").content.decode()
    assert 'data-site="A2"' in a2 and fieldsets(a2) == list(ACCOUNTING_PART)
    assert signed_in(network.accountant).get("/app/today/?site=B1").status_code == 404


def test_each_person_sees_their_own_parts_check_of_today(network, departments):
    site = submit(client_for(network.manager_a), "A1", check_body(network.a1, values={}) | {
        "results": [{"criterion": k, "value": v} for k, v in SITE_PART.items()]}).json()
    accounts = submit(client_for(network.accountant), "A1", check_body(network.a1) | {
        "results": [{"criterion": k, "value": v} for k, v in ACCOUNTING_PART.items()]}).json()
    manager_html = signed_in(network.manager_a).get("/app/today/").content.decode()
    accountant_html = signed_in(network.accountant).get("/app/today/").content.decode()
    assert f'data-check="{site["id"]}"' in manager_html
    assert f'data-check="{accounts["id"]}"' in accountant_html
    assert "Today&#x27;s check is in" in accountant_html or "Today's check is in" in accountant_html
    # Each amends its own.
    assert f'data-amends="{accounts["id"]}"' in accountant_html and f'data-amends="{site["id"]}"' in manager_html
    assert local_today(network.a1).isoformat() in accountant_html


def test_department_staff_of_a_department_the_sites_report_are_refused(network, departments):
    front = Department.objects.get(key="front_desk")
    assert front.submitted_by == SubmittedBy.SITE
    clerk = person("front.clerk", Role.DEPARTMENT, sites=[network.a1], department=front)
    assert signed_in(clerk).get("/app/today/").status_code == 403


def test_the_landing_page_sends_department_staff_to_today(network, departments):
    answer = signed_in(network.accountant).get("/")
    assert answer.status_code == 302 and answer["Location"] == "/app/today/"
    assert signed_in(network.manager_a).get("/")["Location"] == "/app/today/"


def test_other_roles_are_refused_as_before(network, departments):
    assert signed_in(network.auditor).get("/app/today/").status_code == 403
    assert signed_in(network.shopper).get("/app/today/").status_code == 403
