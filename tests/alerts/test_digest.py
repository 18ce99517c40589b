"""Head office's weekly digest: last week's network score and consistency index against the week before and the
worst movers, with the numbers of the variance API for the same week."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.digest import last_week, weekly_digest
from notify.models import Notice
from tests.conftest import client_for
from tests.factories import SiteFactory, person

from .conftest import store_check, told

pytestmark = pytest.mark.django_db
D = dt.date
MONDAY = dt.datetime(2026, 3, 16, 6, 30, tzinfo=dt.UTC)  # the digest's hour: last week is 9..15 March


def test_last_week_is_monday_to_sunday_before_the_utc_date():
    assert last_week(MONDAY) == (D(2026, 3, 9), D(2026, 3, 15), "2026-W11")
    assert last_week(dt.datetime(2026, 3, 22, 23, 59, tzinfo=dt.UTC)) == (D(2026, 3, 9), D(2026, 3, 15), "2026-W11")
    assert last_week(dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC))[2] == "2026-W01"  # 29 Dec 2025 .. 4 Jan 2026


@pytest.fixture
def two_weeks(zones):
    wlg = SiteFactory(code="WLG", name="Wellington", region=zones.nz, timezone="Pacific/Auckland",
                      opened_on=D(2026, 3, 1))
    manager_wlg = person("manager.wlg", "manager", sites=[wlg])
    bad = {"phone_greeting": False, "restroom_clean": 2, "phone_rings": 6}
    for n in range(14):
        day = D(2026, 3, 2) + dt.timedelta(days=n)
        second_week = n >= 7
        store_check(zones.akl, zones.manager_akl, day, values=bad if second_week and n % 2 else {})  # falls a little
        if not (second_week and n % 3 == 0):
            store_check(wlg, manager_wlg, day, values=bad if second_week else {})  # falls most: fails, misses days
        store_check(zones.lax, zones.manager_lax, day, values={} if second_week else bad)  # rises
    return zones


def test_the_digest_has_the_variance_apis_numbers_and_the_worst_movers_first(two_weeks):
    zones = two_weeks
    weekly_digest(now=MONDAY)
    api = client_for(zones.head_office).get("/api/v1/variance/?from=2026-03-09&to=2026-03-15").json()
    assert told("digest.weekly") == {("digest.weekly", "2026-W11", who)
                                     for who in ("hq.1", "hq.2", "contact.nz")}
    notice = Notice.objects.filter(event="digest.weekly").first()
    data = notice.data
    for name in ("network_score", "previous_network_score", "consistency_index", "previous_consistency_index"):
        assert data[name] == api[name], name
    assert data["network_score"] < 1 and data["previous_network_score"] is not None
    by_code = {s["code"]: s for s in api["sites"]}
    assert [m["site"] for m in data["worst_movers"]] == ["WLG", "AKL"]  # LAX rose: not a mover down
    for mover in data["worst_movers"]:
        site = by_code[mover["site"]]
        assert (mover["score"], mover["previous_score"], mover["trend"]) == (
            site["score"], site["previous_score"], site["trend"])
        assert mover["trend"] < 0
    assert data["worst_movers"][0]["trend"] < data["worst_movers"][1]["trend"]
    assert (data["week"], data["from"], data["to"], data["sites"]) == ("2026-W11", "2026-03-09", "2026-03-15", 3)
    assert notice.link == "/app/"
    # Run again (a retried task): nothing new.
    again = weekly_digest(now=MONDAY)
    assert again.notices == [] and again.held == 0
    assert Notice.objects.filter(event="digest.weekly").count() == 3
