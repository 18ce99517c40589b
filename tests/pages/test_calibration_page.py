"""/app/calibration/ (head office): the calibration visits of a period and the auditors compared, with the
numbers of customer.services.calibration (GET /api/v1/calibrations/'s), a few known by hand; every other role
refused; a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from customer.services.calibration import calibration_mark, calibration_report
from pages.format import coefficient, interval, pct
from sites.models import Role
from tests.factories import person
from tests.pages.perception_data import audit

pytestmark = pytest.mark.django_db

D = dt.date
PERIOD = {"period": "custom", "from": "2026-03-01", "to": "2026-03-31"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def visits(network, standard):
    """Two visits of A1 by "auditor" and "auditor.two". 1st (March 3): rings 2 vs 4 (differ), greeting yes vs
    yes, restroom 5 vs 3 (differ). 2nd (March 10): greeting no vs no, delivery 97 vs 97; the second auditor
    does not observe the restroom the first did. So 5 comparisons, 3 agreeing: 60.0%."""
    two = person("auditor.two", Role.AUDITOR, regions=[network.region_a])
    a = audit(network.a1, D(2026, 3, 3), {"phone_rings": 2, "phone_greeting": 1, "restroom_clean": 5},
              user=network.auditor)
    b = audit(network.a1, D(2026, 3, 3), {"phone_rings": 4, "phone_greeting": 1, "restroom_clean": 3}, user=two)
    calibration_mark(user=network.head_office, audit_ids=[a.pk, b.pk], note="Spring round")
    c = audit(network.a1, D(2026, 3, 10), {"phone_greeting": 0, "delivery_on_time_pct": 97, "restroom_clean": 4},
              user=network.auditor)
    d = audit(network.a1, D(2026, 3, 10), {"phone_greeting": 0, "delivery_on_time_pct": 97}, user=two)
    calibration_mark(user=network.head_office, audit_ids=[c.pk, d.pk])
    return network


def test_head_office_reads_the_services_numbers(visits):
    answer = signed_in(visits.head_office).get("/app/calibration/", PERIOD)
    assert answer.status_code == 200
    html = answer.content.decode()
    report = calibration_report(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31))
    (pair,) = report.pairs
    row = re.search(r'<tr data-pair="auditor\|auditor.two">(.*?)</tr>', html, re.S).group(1)
    assert f"<strong>{pct(pair.agreement)}</strong>" in row and pct(pair.agreement) == "60.0%"
    assert interval((pair.agreement_low, pair.agreement_high)) in row
    assert pair.kappa is None and "too few comparisons (5; kappa needs 10)" in row  # the service's own reason
    assert coefficient(pair.mean_abs_deviation_difference) in row
    # The visits, latest first, each criterion both observed with each auditor's reading.
    assert re.findall(r'<article class="visit" data-visit="(\d+)"', html) == [str(v.visit.pk)
                                                                             for v in reversed(report.visits)]
    first = re.search(rf'data-visit="{report.visits[0].visit.pk}"(.*?)</article>', html, re.S).group(1)
    assert "2 disagreements" in first and "Spring round" in first
    assert re.findall(r'<tr data-criterion="([a-z_]+)" class="disagree">', first) == ["phone_rings", "restroom_clean"]
    assert "4 rings" in first and "3 / 5" in first
    second = re.search(rf'data-visit="{report.visits[1].visit.pk}"(.*?)</article>', html, re.S).group(1)
    assert "Agreed on all" in second and "restroom_clean" not in second  # only what both observed


def test_the_period_narrows_the_visits(visits):
    html = signed_in(visits.head_office).get("/app/calibration/", {"period": "custom", "from": "2026-03-05",
                                                                    "to": "2026-03-31"}).content.decode()
    assert len(re.findall(r'<article class="visit"', html)) == 1
    html = signed_in(visits.head_office).get("/app/calibration/", {"period": "custom", "from": "2026-04-01",
                                                                    "to": "2026-04-30"}).content.decode()
    assert "No calibration visit in this period." in html


def test_a_refused_period_names_its_field(visits):
    answer = signed_in(visits.head_office).get("/app/calibration/", {"period": "custom", "from": "2026-03-31",
                                                                      "to": "2026-03-01"})
    assert answer.status_code == 400 and "Error: Calibration" in answer.content.decode()


@pytest.mark.parametrize("who", ["auditor", "auditor_b1", "manager_a", "shopper", "accountant"])
def test_every_other_role_is_refused(visits, who):
    assert signed_in(getattr(visits, who)).get("/app/calibration/", PERIOD).status_code == 403


def test_a_stranger_is_sent_to_sign_in(visits):
    answer = Client().get("/app/calibration/")
    assert answer.status_code == 302 and answer.url.startswith("/accounts/login/")


@pytest.mark.parametrize("more", [0, 6])
def test_a_constant_number_of_queries(visits, django_assert_num_queries, more):
    for i in range(more):
        day = D(2026, 3, 12 + i)
        x = audit(visits.a2, day, {"phone_greeting": 1}, user=visits.auditor)
        y = audit(visits.a2, day, {"phone_greeting": i % 2}, user=visits.head_office)
        calibration_mark(user=visits.head_office, audit_ids=[x.pk, y.pk])
    client = signed_in(visits.head_office)
    # session, user, profile (3); the service's visits, their audits, the audits' results (3).
    with django_assert_num_queries(6):
        html = client.get("/app/calibration/", PERIOD).content.decode()
    assert html.count('<article class="visit"') == 2 + more
