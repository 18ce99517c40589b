"""/app/audits/ and /app/audits/{id}/: a mystery shopper reads their own visits only (never anyone else's, never who
else audited), an auditor the audits of their sites, head office all; a constant number of queries."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sites.models import Role
from tests.factories import person

from .audit_support import stored_audit

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(client) -> list[int]:
    return [int(i) for i in re.findall(r'<a href="/app/audits/(\d+)/">', client.get("/app/audits/").content.decode())]


@pytest.fixture
def audits(network, standard):
    other_shopper = person("shopper.two", Role.MYSTERY_SHOPPER, sites=[network.a1, network.b1])
    return {
        "mine": stored_audit(site=network.a1, user=network.shopper, kind="mystery_shop", note="Greeted at once"),
        "other_shop_a1": stored_audit(site=network.a1, user=other_shopper, kind="mystery_shop"),
        "other_shop_b1": stored_audit(site=network.b1, user=other_shopper, kind="mystery_shop"),
        "audit_a2": stored_audit(site=network.a2, user=network.auditor, values={"phone_rings": 5}),
        "audit_b1": stored_audit(site=network.b1, user=network.head_office),
    }


def test_each_role_lists_exactly_its_scope(network, audits):
    ids = {name: a.pk for name, a in audits.items()}
    assert listed(signed_in(network.shopper)) == [ids["mine"]]
    assert sorted(listed(signed_in(network.auditor))) == sorted([ids["mine"], ids["other_shop_a1"], ids["audit_a2"]])
    assert sorted(listed(signed_in(network.auditor_b1))) == sorted([ids["other_shop_b1"], ids["audit_b1"]])
    assert sorted(listed(signed_in(network.head_office))) == sorted(ids.values())


def test_a_shopper_never_sees_another_visit_nor_who_made_it(network, audits):
    shopper = signed_in(network.shopper)
    html = shopper.get("/app/audits/").content.decode()
    assert "shopper.two" not in html and "by shopper" not in html  # their own list names nobody
    for name in ("other_shop_a1", "other_shop_b1", "audit_a2", "audit_b1"):
        answer = shopper.get(f"/app/audits/{audits[name].pk}/")
        assert answer.status_code == 404 and b"<title>Not found" in answer.content, name
        assert b"shopper.two" not in answer.content
    html = shopper.get(f"/app/audits/{audits['mine'].pk}/").content.decode()
    assert "Mystery shop at A1" in html and "Greeted at once" in html


def test_an_audit_page_shows_its_results_by_touch_point(network, audits):
    html = signed_in(network.auditor).get(f"/app/audits/{audits['mine'].pk}/").content.decode()
    assert "<title>Mystery shop" in html and "by" not in re.sub(r"<[^>]+>", "", html).split("Audit")[0].lower()
    # Two criteria observed of four; the score over those observed (greeting met, restroom 3 of 5 not met).
    assert "over the 2 criteria observed; 1 not met" in html
    assert re.search(r'id="r-phone_greeting"><span class="badge pass">pass</span>\s*Brand greeting: <strong>yes</strong>', html)
    assert re.search(r'id="r-restroom_clean"><span class="badge fail">fail</span>\s*Cleanliness: <strong>3 / 5</strong>', html)
    assert html.index("Phone</h2>") < html.index("Restroom</h2>") and "Delivery</h2>" not in html
    assert ">shopper.a1</dd>" in html  # head office and auditors see who visited
    assert signed_in(network.auditor).get(f"/app/audits/{audits['audit_b1'].pk}/").status_code == 404
    assert signed_in(network.auditor_b1).get(f"/app/audits/{audits['mine'].pk}/").status_code == 404
    assert signed_in(network.head_office).get(f"/app/audits/{audits['audit_b1'].pk}/").status_code == 200
    assert signed_in(network.head_office).get("/app/audits/999999/").status_code == 404


def test_managers_get_the_403_page_for_the_list_and_an_audit(network, audits):
    for user in (network.manager_a, network.accountant):
        assert signed_in(user).get("/app/audits/").status_code == 403
        assert signed_in(user).get(f"/app/audits/{audits['mine'].pk}/").status_code == 403


def test_the_list_filters_by_kind(network, audits):
    html = signed_in(network.head_office).get("/app/audits/?kind=audit").content.decode()
    found = [int(i) for i in re.findall(r'<a href="/app/audits/(\d+)/">', html)]
    assert sorted(found) == sorted([audits["audit_a2"].pk, audits["audit_b1"].pk])


def test_the_list_and_an_audit_take_a_constant_number_of_queries(network, audits, django_assert_num_queries):
    head_office = signed_in(network.head_office)
    head_office.get("/app/audits/")  # the session and the profile, as on every page
    with django_assert_num_queries(4):
        head_office.get("/app/audits/")
    for _ in range(5):
        stored_audit(site=network.a1, user=network.auditor)
    with django_assert_num_queries(4):
        head_office.get("/app/audits/")
    with django_assert_num_queries(6):
        head_office.get(f"/app/audits/{audits['mine'].pk}/")
