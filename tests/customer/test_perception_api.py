"""GET /api/v1/perception-gap/ and the variance API's ?perception=true: every role inside and outside its scope,
the period and region parsing of the variance API, and a number of queries that does not grow with sites."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for
from tests.consistency.variance_data import check
from tests.factories import SiteFactory

from .perception_data import audit, feedback, question

URL = "/api/v1/perception-gap/"
PERIOD = {"from": "2026-03-01", "to": "2026-03-04"}
PASS = {"phone_rings": 2, "phone_greeting": 1, "restroom_clean": 5, "delivery_on_time_pct": 99}


@pytest.fixture
def data(network, standard):
    greet = question("q_greet", touch_point="phone", criterion="phone_greeting")
    for site, user in ((network.a1, network.manager_a), (network.a2, network.manager_a),
                       (network.b1, network.manager_b)):
        check(site, dt.date(2026, 3, 2), PASS, user=user)
        audit(site, dt.date(2026, 3, 2), {"phone_greeting": False, "restroom_clean": True}, user=network.head_office)
        feedback(site, dt.date(2026, 3, 2), [9, 3], question=greet)
    return network


def codes(response):
    return [s["code"] for s in response.json()["sites"]]


@pytest.mark.parametrize(("who", "expected"), [
    ("head_office", ["A1", "A2", "B1"]),
    ("auditor", ["A1", "A2"]),          # region A
    ("auditor_b1", ["B1"]),
    ("manager_a", ["A1"]),
    ("manager_b", ["B1"]),
    ("accountant", ["A1", "A2"]),       # department staff: the sites they serve
])
def test_each_role_sees_its_sites(data, who, expected):
    r = client_for(getattr(data, who)).get(URL, PERIOD)
    assert r.status_code == 200, r.content
    assert codes(r) == expected
    body = r.json()
    assert body["overall"]["self_check"]["n"] == 4 * len(expected)
    assert body["overall"]["customer"]["satisfied"] == {**body["overall"]["customer"]["satisfied"],
                                                        "successes": len(expected), "n": 2 * len(expected)}


def test_a_mystery_shopper_is_refused(data):
    r = client_for(data.shopper).get(URL, PERIOD)
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied" and "mystery shopper" in r.json()["message"]
    r = client_for(data.shopper).get("/api/v1/variance/", {**PERIOD, "perception": "true"})
    assert r.status_code == 200 and r.json()["sites"] == []  # the variance API's own rule: reads no site


def test_anonymous_is_refused(data):
    assert client_for(None).get(URL, PERIOD).status_code == 401


@pytest.mark.parametrize(("who", "params", "status", "field"), [
    ("manager_a", {"site": "B1"}, 404, "site"),            # another manager's site: as if it did not exist
    ("auditor", {"site": "B1"}, 404, "site"),
    ("auditor_b1", {"region": "region-a"}, 400, "region"),  # a region none of whose sites it reads
    ("head_office", {"region": "nowhere"}, 400, "region"),
    ("head_office", {"from": "2026-03-05", "to": "2026-03-01"}, 400, None),
    ("head_office", {"from": "yesterday"}, 400, "from"),
])
def test_outside_the_scope_and_bad_periods(data, who, params, status, field):
    r = client_for(getattr(data, who)).get(URL, {**PERIOD, **params})
    assert r.status_code == status, r.content
    if field:
        assert r.json()["field"] == field


def test_region_and_site_narrow_the_answer(data):
    client = client_for(data.head_office)
    r = client.get(URL, {**PERIOD, "region": "region-a"})
    assert codes(r) == ["A1", "A2"] and r.json()["region"] == "region-a"
    r = client.get(URL, {**PERIOD, "site": "A2"})
    assert codes(r) == ["A2"] and r.json()["site"] == "A2"


def test_the_answer_shape(data):
    body = client_for(data.head_office).get(URL, PERIOD).json()
    assert set(body) == {"date_from", "date_to", "region", "site", "overall", "touch_points", "criteria", "sites",
                         "optimistic", "correlations"}
    assert (body["date_from"], body["date_to"]) == ("2026-03-01", "2026-03-04")
    phone = body["touch_points"][0]
    assert phone["key"] == "phone" and set(phone["self_vs_audit"]) == {"value", "low", "high", "supported"}
    # phone: self 6/6 on A1, A2, B1; audits observed greeting only, all failed: 0/3; self on those pairs 3/3.
    assert (phone["self_check"]["n"], phone["audit"]["successes"], phone["audit"]["n"]) == (6, 0, 3)
    assert phone["self_vs_audit"]["value"] == 1.0 and not phone["self_vs_audit"]["supported"]  # n < 30
    assert [c["verdict"] for c in body["correlations"]] == ["too_thin", "too_thin"]
    site = body["sites"][0]
    assert set(site) == {"code", "name", "region", "self_check", "self_check_audited", "audit", "customer",
                         "optimism", "audits", "rank"}
    assert site["audits"] == 1 and site["rank"] is None


def test_the_variance_api_carries_each_sites_gap_from_the_same_engine(data):
    client = client_for(data.manager_a)
    plain = client.get("/api/v1/variance/", PERIOD).json()
    assert "perception" not in plain["sites"][0]
    body = client.get("/api/v1/variance/", {**PERIOD, "perception": "true"}).json()
    gap = client.get(URL, PERIOD).json()
    assert [s["code"] for s in body["sites"]] == ["A1"]
    site = {k: v for k, v in gap["sites"][0].items() if k not in ("code", "name", "region")}
    assert body["sites"][0]["perception"] == site
    assert set(site) >= {"self_check", "audit", "customer", "optimism"}


def test_the_schema_documents_both(data):
    schema = client_for(data.head_office).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/perception-gap/" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/variance/"]["get"]["parameters"]}
    assert "perception" in params
    assert "perception" in schema["components"]["schemas"]["SiteVariance"]["properties"]
    assert "30" in schema["components"]["schemas"]["Gap"]["properties"]["supported"]["description"]


def _queries(client, params=PERIOD) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(URL, params)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_a_constant_number_of_queries_whatever_the_number_of_sites(data):
    client = client_for(data.head_office)
    client.get(URL, PERIOD)  # warm: the token's user and profile are then the same queries each time
    few = _queries(client)
    region = data.region_a
    for i in range(12):
        site = SiteFactory(code=f"X{i:02d}", region=region)
        check(site, dt.date(2026, 3, 2), PASS, user=data.head_office)
        audit(site, dt.date(2026, 3, 3), {"phone_rings": True}, user=data.head_office)
        feedback(site, dt.date(2026, 3, 3), [10])
    many = _queries(client)
    # token with its user, profile (sign-in), then the engine: criteria, departments, sites, running totals,
    # audit results, audits, feedback days, feedback questions.
    assert few == many == 10
    assert _queries(client, {**PERIOD, "region": "region-a"}) == 11  # + is the region known


def test_the_variance_api_with_perception_adds_a_constant_number_of_queries(data):
    client = client_for(data.head_office)
    client.get("/api/v1/variance/", PERIOD)
    with CaptureQueriesContext(connection) as plain:
        client.get("/api/v1/variance/", PERIOD)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/variance/", {**PERIOD, "perception": "true"})
    for i in range(5):
        site = SiteFactory(code=f"Y{i:02d}", region=data.region_b)
        check(site, dt.date(2026, 3, 2), PASS, user=data.head_office)
        audit(site, dt.date(2026, 3, 3), {"phone_rings": True}, user=data.head_office)
    with CaptureQueriesContext(connection) as many:
        r = client.get("/api/v1/variance/", {**PERIOD, "perception": "true"})
    assert len(r.json()["sites"]) == 8 and all("perception" in s for s in r.json()["sites"])
    # The engine's eight on top of the variance answer's.
    assert len(few.captured_queries) == len(many.captured_queries) == len(plain.captured_queries) + 8
