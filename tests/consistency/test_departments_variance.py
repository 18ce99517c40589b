"""GET /api/v1/variance/?group=department: department rows per site and for the network, computed as touch point
rows are (one function, grid.groups), with no more queries; the answer without it is unchanged."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for
from tests.factories import published_version

from .departments_support import department_doc

pytestmark = pytest.mark.django_db
URL = "/api/v1/variance/"
PERIOD = {"from": "2026-03-01", "to": "2026-03-04"}
GOOD = {"phone_rings": 2, "phone_greeting": 1, "restroom_clean": 5}


def check(site, day, values, *, user, department=None):
    """Through the one submission path, on the evening of ``day``."""
    import zoneinfo

    from consistency.services.check_rules import CheckInput, ResultInput
    from consistency.services.checks import check_submit

    evening = dt.datetime.combine(day, dt.time(20, 0), tzinfo=zoneinfo.ZoneInfo(site.timezone))
    return check_submit(site=site, user=user, now=evening, payload=CheckInput(
        date=day, results=[ResultInput(k, v) for k, v in values.items()], department=department))


@pytest.fixture
def history(network):
    published_version(department_doc())
    for site, user, bad in ((network.a1, network.manager_a, {"phone_rings": 6}),
                            (network.a2, network.manager_a, {"restroom_clean": 2}),
                            (network.b1, network.manager_b, {})):
        for day in (1, 2, 3):
            check(site, dt.date(2026, 3, day), {**GOOD, **bad, "phone_greeting": True}, user=user)
            if day != 2 or site.code != "B1":  # accounting missed B1's 2nd
                check(site, dt.date(2026, 3, day), {"delivery_on_time_pct": 97 if day != 3 else 50},
                      user=network.head_office, department="accounting")
    return network


def test_without_group_the_answer_has_no_department_rows(history):
    body = client_for(history.head_office).get(URL, PERIOD).json()
    assert "department_spread" not in body and "departments" not in body["sites"][0]


def test_a_department_of_one_touch_point_has_the_touch_points_numbers(history):
    body = client_for(history.head_office).get(URL, {**PERIOD, "group": "department"}).json()
    for site in body["sites"]:
        by_tp = {t["key"]: t for t in site["touch_points"]}
        rows = {d["key"]: d for d in site["departments"]}
        assert [d["key"] for d in site["departments"]] == ["front_desk", "accounting", None]
        assert [d["name"] for d in site["departments"]] == ["Front desk", "Accounting", "No department"]
        for department, tp in (("front_desk", "phone"), ("accounting", "delivery"), (None, "restroom")):
            assert {k: v for k, v in rows[department].items() if k not in ("key", "name")} == \
                   {k: v for k, v in by_tp[tp].items() if k not in ("key", "name")}
    spreads = {s["key"]: s for s in body["department_spread"]}
    tp_spreads = {s["key"]: s for s in body["touch_point_spread"]}
    assert spreads["accounting"]["network_rate"] == tp_spreads["delivery"]["network_rate"]
    assert spreads["front_desk"]["stddev"] == tp_spreads["phone"]["stddev"]
    # Accounting: 9 expected days (4-day period, today not in it: days 1-4 each site... ) checked by hand below.
    b1 = {d["key"]: d for d in body["sites"][2]["departments"]}["accounting"]["pass_rate"]
    # B1: accounting passed on the 1st only (the 3rd failed, the 2nd and 4th missed): 1 of 4 expected days.
    assert (b1["passed"], b1["expected"]) == (1.0, 4.0)


def test_a_department_of_several_touch_points_weighs_its_criteria(network):
    doc = department_doc()
    doc["touch_points"][1]["department"] = "front_desk"  # the restroom belongs to the front desk too
    published_version(doc)
    for day in (1, 2, 3):
        check(network.a2, dt.date(2026, 3, day), {**GOOD, "phone_greeting": True, "restroom_clean": 2},
              user=network.manager_a)
    body = client_for(network.head_office).get(URL, {**PERIOD, "group": "department", "site": "A2"}).json()
    site = body["sites"][0]
    front = {d["key"]: d for d in site["departments"]}["front_desk"]["pass_rate"]
    weights = {"phone_rings": 2, "phone_greeting": 1, "restroom_clean": 3}
    criteria = {c["key"]: c["pass_rate"] for c in site["criteria"]}
    passed = sum(weights[k] * criteria[k]["passed"] for k in weights)
    expected = sum(weights[k] * criteria[k]["expected"] for k in weights)
    # A2 passed the phone's two criteria on 3 of 4 days and never the restroom: (2 + 1) x 3 of (2 + 1 + 3) x 4.
    assert (front["passed"], front["expected"]) == (passed, expected) == (9.0, 24.0)
    assert front["rate"] == pytest.approx(9 / 24)
    # Accounting's touch point is expected (and missed) every day: its row is there, at 0.
    assert [d["key"] for d in site["departments"]] == ["front_desk", "accounting"]


def test_grouping_by_department_costs_no_query_more(history):
    client = client_for(history.head_office)
    client.get(URL, PERIOD)
    with CaptureQueriesContext(connection) as plain:
        client.get(URL, PERIOD)
    with CaptureQueriesContext(connection) as grouped:
        assert client.get(URL, {**PERIOD, "group": "department"}).status_code == 200
    assert len(grouped) == len(plain) == 7  # with the not-applicable marks (issue 18)


def test_roles_see_department_rows_of_their_scope_only(history):
    for user, codes in ((history.accountant, ["A1", "A2"]), (history.manager_b, ["B1"]),
                        (history.auditor, ["A1", "A2"])):
        body = client_for(user).get(URL, {**PERIOD, "group": "department"}).json()
        assert [s["code"] for s in body["sites"]] == codes
    assert client_for(history.shopper).get(URL, {**PERIOD, "group": "department"}).json()["sites"] == []


def test_a_bad_group_is_a_400_naming_it(history):
    response = client_for(history.head_office).get(URL, {**PERIOD, "group": "region"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "group"
