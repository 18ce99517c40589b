"""Missed days: computed in the database, per site time zone, scoped by role."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consistency.selectors.missed import missed_days
from consistency.services.checks import CheckInput, ResultInput, check_submit
from tests.conftest import client_for

from .checks_support import GOOD, local_today

pytestmark = pytest.mark.django_db

D = dt.date
# 12:00 UTC on 10 March 2026 is already 01:00 on 11 March in Auckland (NZDT, UTC+13) and still 08:00 on
# 10 March in New York (EDT, UTC-4): Auckland's 10 March is over, New York's is not.
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def store_check(site, user, day: dt.date):
    """A check for ``day`` as it would have arrived at noon that local day."""
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=zoneinfo.ZoneInfo(site.timezone))
    payload = CheckInput(date=day, results=[ResultInput(k, v) for k, v in GOOD.items()])
    return check_submit(site=site, user=user, payload=payload, now=noon).check


@pytest.fixture
def history(network, standard):
    for site in (network.a1, network.a2, network.b1):
        site.opened_on = D(2026, 3, 1)
        site.save()
    network.a2.active = False  # a closed site misses nothing
    network.a2.save()
    store_check(network.a1, network.manager_a, D(2026, 3, 2))
    store_check(network.a1, network.manager_a, D(2026, 3, 5))
    store_check(network.b1, network.manager_b, D(2026, 3, 9))
    return network


def days(rows, site):
    return [r.date for r in rows if r.site == site]


def test_a_day_is_missed_once_it_is_over_in_the_sites_time_zone(history):
    rows = missed_days(user=history.head_office, date_from=D(2026, 2, 20), date_to=D(2026, 3, 11), now=NOW)[0:1000]
    a1 = [D(2026, 3, d) for d in (1, 3, 4, 6, 7, 8, 9, 10)]  # Auckland: the 10th is over, the 11th is today
    b1 = [D(2026, 3, d) for d in (1, 2, 3, 4, 5, 6, 7, 8)]   # New York: still on the 10th; the 9th was checked
    assert days(rows, "A1") == a1
    assert days(rows, "B1") == b1
    assert days(rows, "A2") == []  # inactive
    # Before opening nothing is missed (the series starts on 20 Feb).
    assert min(r.date for r in rows) == D(2026, 3, 1)
    assert len(missed_days(user=history.head_office, date_from=D(2026, 2, 20), date_to=D(2026, 3, 11),
                           now=NOW)) == len(a1) + len(b1)


def test_the_range_is_respected_and_ordered_by_day_then_site(history):
    rows = missed_days(user=history.head_office, date_from=D(2026, 3, 3), date_to=D(2026, 3, 4), now=NOW)[0:100]
    assert [(r.date, r.site) for r in rows] == [
        (D(2026, 3, 3), "A1"), (D(2026, 3, 3), "B1"), (D(2026, 3, 4), "A1"), (D(2026, 3, 4), "B1")]


def test_a_superseded_check_still_leaves_the_day_covered_by_its_amendment(history):
    from consistency.models import DailyCheck

    old = DailyCheck.objects.get(site=history.a1, date=D(2026, 3, 5))
    noon = dt.datetime(2026, 3, 5, 13, tzinfo=zoneinfo.ZoneInfo("Pacific/Auckland"))
    check_submit(site=history.a1, user=history.manager_a, now=noon, payload=CheckInput(
        date=D(2026, 3, 5), results=[ResultInput(k, v) for k, v in GOOD.items()], amends=old.pk, reason="fix"))
    rows = missed_days(user=history.head_office, date_from=D(2026, 3, 5), date_to=D(2026, 3, 5), now=NOW)[0:10]
    assert [r.site for r in rows] == ["B1"]


@pytest.mark.parametrize(("persona", "sites"), [("manager_a", {"A1"}), ("manager_b", {"B1"}),
                                                ("auditor", {"A1"}), ("auditor_b1", {"B1"}),
                                                ("head_office", {"A1", "B1"})])
def test_each_role_sees_the_missed_days_of_its_own_sites(history, persona, sites):
    rows = missed_days(user=getattr(history, persona), date_from=D(2026, 3, 1), date_to=D(2026, 3, 10),
                       now=NOW)[0:100]
    assert {r.site for r in rows} == sites


def test_missed_days_are_counted_and_sliced_in_the_database(history):
    result = missed_days(user=history.head_office, date_from=D(2026, 3, 1), date_to=D(2026, 3, 2), now=NOW)
    assert [(r.site, r.date) for r in result[0:10]] == [("A1", D(2026, 3, 1)), ("B1", D(2026, 3, 1)),
                                                         ("B1", D(2026, 3, 2))]
    assert result[2].site == "B1" and len(result) == 3
    with pytest.raises(IndexError):
        result[3]


def test_the_site_endpoint(history):
    history.a1.opened_on = local_today(history.a1) - dt.timedelta(days=5)
    history.a1.save()
    today = local_today(history.a1)
    client = client_for(history.manager_a)
    response = client.get(f"/api/v1/sites/A1/missed/?from={today - dt.timedelta(days=10)}&to={today}")
    assert response.status_code == 200
    body = response.json()
    expected = [str(today - dt.timedelta(days=n)) for n in range(5, 0, -1)]
    assert [r["date"] for r in body["results"]] == expected and body["count"] == 5
    assert {r["site"] for r in body["results"]} == {"A1"}


def test_the_network_endpoint_filters_by_region_and_paginates(history):
    today = local_today(history.b1)
    for site in (history.a1, history.b1):
        site.opened_on = today - dt.timedelta(days=20)
        site.save()
    client = client_for(history.head_office)
    url = f"/api/v1/missed/?from={today - dt.timedelta(days=30)}&to={today}"
    everything = client.get(url).json()
    assert everything["count"] >= 38
    region_b = client.get(url + "&region=region-b").json()
    assert {r["site"] for r in region_b["results"]} == {"B1"}
    page = client.get(url + "&page_size=7&page=2").json()
    assert len(page["results"]) == 7 and page["results"] == everything["results"][7:14]


def test_the_network_list_is_a_fixed_number_of_queries(history):
    client = client_for(history.head_office)
    url = "/api/v1/missed/?from=2026-03-01&to=2026-03-31"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    # token, profile, time zones in use, count, page.
    assert len(ctx) == 5, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize(("query", "field"), [("", "from"), ("from=2026-03-01", "to"), ("from=x&to=2026-03-01", "from"),
                                              ("from=2026-03-05&to=2026-03-01", "from"),
                                              ("from=2025-01-01&to=2026-03-01", "to")])
def test_bad_periods_name_the_parameter(history, query, field):
    response = client_for(history.head_office).get(f"/api/v1/missed/?{query}")
    assert response.status_code == 400 and response.json()["field"] == field


@pytest.mark.parametrize(("persona", "status"), [("manager_a", 404), ("auditor", 404), ("auditor_b1", 200),
                                                 ("manager_b", 200)])
def test_another_sites_missed_days_are_not_found(history, persona, status):
    response = client_for(getattr(history, persona)).get("/api/v1/sites/B1/missed/?from=2026-03-01&to=2026-03-02")
    assert response.status_code == status
