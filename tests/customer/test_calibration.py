"""Calibration visits: head office marks audits of one site and day by different auditors as one visit; auditors
are compared on what they both observed. The numbers below are worked out by hand from the dataset."""

from __future__ import annotations

import datetime as dt

import pytest

from customer.models import Audit, CalibrationVisit
from sites.models import Role
from tests.conftest import client_for
from tests.consistency.checks_support import local_today
from tests.factories import person

from .audit_support import audit_body, post_audit

pytestmark = pytest.mark.django_db

# The small test standard: phone_rings (<= 3 rings; deviation (v - 3) / 3), phone_greeting (yes/no), restroom_clean
# (score >= 4; deviation (4 - v) / 3), delivery_on_time_pct (>= 95 with a tolerance of 2; deviation
# (95 - v - 2) / 95). Three visits of A1 by "auditor" (A) and "auditor.two" (B); in the first, the shopper too.
VISITS = [
    # A: all met.                       B: rings 4 (dev 1/3) and restroom 3 (dev 1/3) not met.
    ({"phone_rings": 2, "phone_greeting": True, "restroom_clean": 5, "delivery_on_time_pct": 97},
     {"phone_rings": 4, "phone_greeting": True, "restroom_clean": 3, "delivery_on_time_pct": 97}),
    # Both: rings 6 (dev 1), greeting no (dev 1), restroom 4 met, delivery not met: A 90 (dev 3/95), B 92 (1/95).
    ({"phone_rings": 6, "phone_greeting": False, "restroom_clean": 4, "delivery_on_time_pct": 90},
     {"phone_rings": 6, "phone_greeting": False, "restroom_clean": 4, "delivery_on_time_pct": 92}),
    # Greeting: A yes, B no (dev 1); restroom 2 (dev 2/3) for both.
    ({"phone_rings": 3, "phone_greeting": True, "restroom_clean": 2, "delivery_on_time_pct": 99},
     {"phone_rings": 3, "phone_greeting": False, "restroom_clean": 2, "delivery_on_time_pct": 99}),
]


@pytest.fixture
def auditor_two(network):
    return person("auditor.two", Role.AUDITOR, regions=[network.region_a])


def audit(network, user, day, values, kind="audit") -> int:
    response = post_audit(client_for(user), "A1", audit_body(network.a1, day=day, values=values, kind=kind))
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def mark(ids, user=None, network=None, **extra):
    return client_for(user or network.head_office).post("/api/v1/calibrations/", {"audits": ids, **extra},
                                                        format="json")


@pytest.fixture
def visits(network, standard, auditor_two, settings):
    settings.LATE_CHECK_WINDOW_DAYS = 7
    today = local_today(network.a1)
    marked = []
    for back, (a, b) in enumerate(VISITS):
        day = today - dt.timedelta(days=back)
        ids = [audit(network, network.auditor, day, a), audit(network, auditor_two, day, b)]
        if back == 0:
            ids.append(audit(network, network.shopper, day, {"phone_greeting": True}, kind="mystery_shop"))
        response = mark(ids, network=network, note=f"visit {back}")
        assert response.status_code == 201, response.json()
        marked.append(response.json())
    return marked


def test_auditors_compared_by_hand(network, visits):
    report = client_for(network.head_office).get("/api/v1/calibrations/").json()
    assert report["kappa_min_comparisons"] == 10
    pairs = {tuple(p["auditors"]): p for p in report["pairs"]}
    assert set(pairs) == {("auditor", "auditor.two"), ("auditor", "shopper.a1"), ("auditor.two", "shopper.a1")}
    ab = pairs[("auditor", "auditor.two")]
    # 3 visits x 4 criteria = 12 comparisons; they disagree on rings and restroom in visit 1, greeting in visit 3.
    assert (ab["visits"], ab["compared"], ab["agreeing"]) == (3, 12, 9)
    assert ab["agreement"] == pytest.approx(0.75)
    # Wilson, z = 1.959964, p = 0.75, n = 12: centre (0.75 + z²/24) / (1 + z²/12) = 0.689377,
    # half-width z / (1 + z²/12) * sqrt(0.75 * 0.25 / 12 + z² / 576) = 0.221681.
    assert ab["agreement_low"] == pytest.approx(0.467696, abs=1e-5)
    assert ab["agreement_high"] == pytest.approx(0.911058, abs=1e-5)
    # A said "met" 8 times of 12, B 5 times: chance agreement (2/3)(5/12) + (1/3)(7/12) = 17/36;
    # kappa = (27/36 - 17/36) / (1 - 17/36) = 10/19.
    assert ab["kappa"] == pytest.approx(10 / 19) and ab["kappa_note"] == ""
    # |dA - dB|: visit 1 1/3 + 1/3, visit 2 2/95, visit 3 1: 481/285 over 12 comparisons.
    assert ab["mean_abs_deviation_difference"] == pytest.approx(481 / 3420)
    # The shopper observed only the greeting, in visit 1, and agreed with both: too few for a kappa.
    shopper = pairs[("auditor", "shopper.a1")]
    assert (shopper["compared"], shopper["agreeing"], shopper["agreement"], shopper["kappa"]) == (1, 1, 1.0, None)
    assert "too few" in shopper["kappa_note"] and shopper["agreement_high"] == 1.0

    first = next(v for v in report["visits"] if v["note"] == "visit 0")
    assert [a["auditor"] for a in first["audits"]] == ["auditor", "auditor.two", "shopper.a1"]
    criteria = {c["criterion"]: c for c in first["criteria"]}
    assert (criteria["phone_rings"]["agree"], criteria["phone_rings"]["deviation_range"]) == \
        (False, pytest.approx(1 / 3))
    assert criteria["phone_greeting"]["agree"] is True and len(criteria["phone_greeting"]["observations"]) == 3
    assert criteria["delivery_on_time_pct"]["agree"] is True


def test_the_period_filters_the_visits(network, visits):
    today = local_today(network.a1)
    report = client_for(network.head_office).get(f"/api/v1/calibrations/?from={today}&to={today}").json()
    assert [v["note"] for v in report["visits"]] == ["visit 0"]
    ab = next(p for p in report["pairs"] if p["auditors"] == ["auditor", "auditor.two"])
    assert (ab["compared"], ab["agreeing"], ab["kappa"]) == (4, 2, None)


def test_marking_refuses_what_is_not_one_visit(network, standard, auditor_two, settings):
    settings.LATE_CHECK_WINDOW_DAYS = 7
    today = local_today(network.a1)
    a = audit(network, network.auditor, today, {"phone_greeting": True})
    b = audit(network, auditor_two, today, {"phone_greeting": False})
    same_author = audit(network, network.auditor, today, {"phone_greeting": True})
    other_day = audit(network, auditor_two, today - dt.timedelta(days=1), {"phone_greeting": True})
    other_site = post_audit(client_for(network.head_office), "A2", audit_body(network.a2)).json()["id"]
    for ids, field, code, status in [
        ([a], "audits", "min_length", 400),
        ([a, a], "audits", "invalid", 400),
        ([a, same_author], "audits", "one_auditor", 400),
        ([a, other_day], "audits", "not_one_visit", 400),
        ([a, other_site], "audits", "not_one_visit", 400),
        ([a, 999999], "audits", "not_found", 400),
    ]:
        response = mark(ids, network=network)
        assert response.status_code == status, (ids, response.json())
        assert (response.json()["field"], response.json()["code"]) == (field, code), response.json()
    bad = mark([a, b], network=network, colour="red")
    assert bad.status_code == 400 and bad.json()["field"] == "colour"
    assert not CalibrationVisit.objects.exists()
    first = mark([a, b], network=network)
    assert first.status_code == 201, first.json()
    again = mark([b, same_author], network=network)
    assert again.status_code == 409 and again.json()["code"] == "already_in_visit"
    assert f"audit {b}" in again.json()["message"]
    assert CalibrationVisit.objects.count() == 1
    assert set(Audit.objects.filter(calibration__isnull=False).values_list("pk", flat=True)) == {a, b}


@pytest.mark.parametrize("persona", ["manager_a", "manager_b", "auditor", "auditor_b1", "shopper", "accountant"])
def test_only_head_office_marks_and_compares(network, standard, auditor_two, persona):
    today = local_today(network.a1)
    ids = [audit(network, network.auditor, today, {"phone_greeting": True}),
           audit(network, auditor_two, today, {"phone_greeting": True})]
    client = client_for(getattr(network, persona))
    assert mark(ids, user=getattr(network, persona)).status_code == 403
    assert client.get("/api/v1/calibrations/").status_code == 403
    assert not CalibrationVisit.objects.exists()


def test_the_comparison_takes_a_fixed_number_of_queries(network, visits, django_assert_num_queries):
    client = client_for(network.head_office)
    client.get("/api/v1/calibrations/")
    with django_assert_num_queries(5):  # the token, the profile, visits, their audits, their results
        assert client.get("/api/v1/calibrations/").status_code == 200
