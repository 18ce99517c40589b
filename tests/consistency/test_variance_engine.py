"""The variance engine on a small dataset computed by hand.

Period 2026-03-01..04 (previous period 02-25..28). Version 1 (from 01-01): phone_rings w2,
phone_greeting w1, restroom_clean w3, delivery_on_time_pct w1. Version 2 (from 03-03): phone_rings w4,
phone_greeting w1, restroom_clean w3, uniform w1 (touch point 'staff'); delivery dropped.

Site A1: 03-01 rings 2 ok, greeting ok, restroom 5 ok, delivery 90% (fails: (95-90-2)/95 = 3/95)
         03-02 missed
         03-03 (v2, late) rings 5 (fails, 2/3), greeting no (fails, 1), restroom 4 ok, uniform ok
         03-04 all pass, then amended: rings 4 (fails, 1/3), the rest pass
         previous period: only 02-27, all pass
Site A2: all four days, all pass; nothing in the previous period.
"""

import datetime as dt
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consistency.services import rollup
from consistency.variance import PhotoCounts, variance_report
from consistency.variance.stats import MIN_FLAG_OBSERVATIONS
from sites.models import Site

from .variance_data import ALL_PASS_V1, ALL_PASS_V2, check, photo, second_version

D = dt.date
Z = 1.959963984540054
MARCH_1, MARCH_4 = D(2026, 3, 1), D(2026, 3, 4)


def wilson_by_hand(p, n):
    # Wilson score interval, written out independently of the engine.
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = (Z / (1 + Z * Z / n)) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture
def dataset(network, standard):
    second_version(D(2026, 3, 3))
    a1, a2, user = network.a1, network.a2, network.manager_a
    check(a1, D(2026, 2, 27), ALL_PASS_V1, user=user)
    check(a1, D(2026, 3, 1), {**ALL_PASS_V1, "delivery_on_time_pct": 90}, user=user)
    check(a1, D(2026, 3, 3), {**ALL_PASS_V2, "phone_rings": 5, "phone_greeting": 0}, user=user, late=True)
    first = check(a1, D(2026, 3, 4), ALL_PASS_V2, user=user)
    check(a1, D(2026, 3, 4), {**ALL_PASS_V2, "phone_rings": 4}, user=user, amends=first)
    for day in (1, 2):
        check(a2, D(2026, 3, day), ALL_PASS_V1, user=user)
    for day in (3, 4):
        check(a2, D(2026, 3, day), ALL_PASS_V2, user=user)
    return network


def report_for(codes, date_from=MARCH_1, date_to=MARCH_4):
    return variance_report(date_from=date_from, date_to=date_to, sites=Site.objects.filter(code__in=codes))


def by_key(items):
    return {i.key: i for i in items}


def test_site_rows_count_missed_late_and_amended_days(dataset):
    report = report_for(["A1", "A2"])
    a1, a2 = report.sites
    assert (a1.code, a2.code) == ("A1", "A2")
    assert (a1.expected_days, a1.checked_days, a1.missed_days, a1.late_checks) == (4, 3, 1, 1)
    assert (a2.expected_days, a2.checked_days, a2.missed_days, a2.late_checks) == (4, 4, 0, 0)
    assert report.versions == [1, 2]

    # Score: v1 days weigh 7 each (2 days -> 14, 6 passed on 03-01); v2 days weigh 9 (18, 4 + 5 passed).
    assert a1.score == pytest.approx(15 / 32, abs=1e-12)
    low, high = wilson_by_hand(15 / 32, 16)  # 4 + 4 + 4 + 2 + 2 expected criterion-days
    assert a1.score_interval == pytest.approx((low, high), abs=1e-12)
    assert a1.previous_score == pytest.approx(7 / 28)  # 02-27 passed, three days missed
    assert a1.trend == pytest.approx(15 / 32 - 1 / 4)
    assert a2.score == 1.0 and a2.previous_score == 0.0 and a2.trend == 1.0


def test_criterion_rates_intervals_and_deviation(dataset):
    a1 = report_for(["A1", "A2"]).sites[0]
    crit = by_key(a1.criteria)
    assert [c.key for c in a1.criteria] == ["phone_rings", "phone_greeting", "restroom_clean", "uniform",
                                            "delivery_on_time_pct"]
    rings = crit["phone_rings"]
    # 03-01 pass, 03-02 missed, 03-03 fail, 03-04 fail (the amendment, not the superseded pass)
    assert (rings.pass_rate.passed, rings.pass_rate.expected, rings.observations) == (1, 4, 3)
    assert rings.pass_rate.rate == 0.25
    assert (rings.pass_rate.low, rings.pass_rate.high) == pytest.approx(wilson_by_hand(0.25, 4), abs=1e-12)
    assert (rings.pass_rate.low, rings.pass_rate.high) == pytest.approx((0.0456, 0.6994), abs=1e-4)  # tables: 1 of 4
    assert rings.mean_deviation == pytest.approx((0 + 2 / 3 + 1 / 3) / 3)
    assert rings.previous_rate == 0.25 and rings.trend == 0.0
    assert rings.touch_point == "phone"

    delivery = crit["delivery_on_time_pct"]  # only in version 1: expected on 03-01 and 03-02
    assert (delivery.pass_rate.passed, delivery.pass_rate.expected, delivery.observations) == (0, 2, 1)
    assert delivery.mean_deviation == pytest.approx(3 / 95)
    assert delivery.deviation_stddev == 0.0
    uniform = crit["uniform"]  # only in version 2: 03-03 and 03-04
    assert (uniform.pass_rate.passed, uniform.pass_rate.expected) == (2, 2)
    assert uniform.previous_rate is None and uniform.trend is None
    greeting = crit["phone_greeting"]
    assert greeting.pass_rate.rate == 0.5
    assert greeting.deviation_stddev == pytest.approx(math.sqrt(2 / 9))  # deviations 0, 1, 0


def test_touch_points_are_weighted_by_the_version_of_each_day(dataset):
    a1 = report_for(["A1", "A2"]).sites[0]
    tps = by_key(a1.touch_points)
    phone = tps["phone"]
    # v1 days: rings 2 + greeting 1 per day; v2 days: 4 + 1. Passed: rings 03-01 (2), greeting 03-01, 03-04.
    assert (phone.pass_rate.passed, phone.pass_rate.expected) == (4, 16)
    assert (phone.pass_rate.low, phone.pass_rate.high) == pytest.approx(wilson_by_hand(0.25, 8), abs=1e-12)
    assert phone.observations == 6
    assert phone.mean_deviation == pytest.approx(2 / 6)
    assert tps["restroom"].pass_rate.rate == 0.75
    assert tps["staff"].pass_rate.rate == 1.0 and tps["staff"].name == "Staff"
    assert tps["delivery"].pass_rate.rate == 0.0


def test_network_spread_consistency_index_and_flags(dataset):
    report = report_for(["A1", "A2"])
    assert report.network_score == pytest.approx(47 / 64)
    assert report.network_score_interval == pytest.approx(wilson_by_hand(47 / 64, 32), abs=1e-12)
    spread = by_key(report.criterion_spread)
    # Two sites with equal weight: sigma is half the gap between their rates.
    assert spread["phone_rings"].network_rate == pytest.approx(5 / 8)
    assert spread["phone_rings"].stddev == pytest.approx(3 / 8)
    assert (spread["phone_rings"].min_rate, spread["phone_rings"].max_rate) == (0.25, 1.0)
    assert spread["phone_greeting"].stddev == pytest.approx(1 / 4)
    assert spread["restroom_clean"].stddev == pytest.approx(1 / 8)
    assert spread["delivery_on_time_pct"].stddev == pytest.approx(1 / 2)
    assert spread["uniform"].stddev == 0.0 and spread["uniform"].drivers == []
    # mean sigma = (3/8 + 2/8 + 1/8 + 4/8 + 0) / 5 = 1/4  ->  100 * (1 - 0.25 / 0.5)
    assert report.consistency_index == pytest.approx(50.0)
    tp_spread = by_key(report.touch_point_spread)
    assert tp_spread["phone"].network_rate == pytest.approx((4 + 16) / 32)
    # A1's interval excludes the network score, but 16 observations are too few to call it out.
    a1 = report.sites[0]
    assert a1.score_interval[1] < report.network_score
    assert 16 < MIN_FLAG_OBSERVATIONS and a1.flagged is False


def test_drivers_and_flag_with_enough_observations(dataset):
    user = dataset.manager_b
    for day in range(1, 5):
        check(dataset.b1, D(2026, 3, day), ALL_PASS_V1 if day < 3 else ALL_PASS_V2, user=user)
    report = report_for(["A1", "A2", "B1"])
    assert report.drivers[0] == "A1"
    assert by_key(report.criterion_spread)["phone_rings"].drivers[0] == "A1"
    # Over 03-01..10, A1 has 4 checks in 10 days (40 criterion-days expected) while the others check
    # every day: now A1 is flagged.
    for site in (dataset.a2, dataset.b1):
        for day in range(5, 11):
            check(site, D(2026, 3, day), ALL_PASS_V2, user=user)
    long = report_for(["A1", "A2", "B1"], date_to=D(2026, 3, 10))
    a1, a2 = long.sites[:2]
    assert (a1.expected_days, a1.missed_days) == (10, 7)
    assert (a1.flag, a1.flagged) == ("below", True)
    assert by_key(a1.criteria)["restroom_clean"].flag is None  # 10 observations: too few
    assert by_key(a1.criteria)["restroom_clean"].flagged is False
    # A2 passed everything: it differs from the network too, upwards. That needs no attention.
    assert a2.score == 1.0 and (a2.flag, a2.flagged) == ("above", False)


def test_a_flag_says_which_way_and_only_below_the_network_needs_attention(network, standard):
    # The best sites were flagged alongside the worst, and a criterion passed 30 times out of 30 was flagged:
    # head office reads a flag as a problem.
    for day in range(1, 31):
        check(network.a1, D(2026, 3, day), {**ALL_PASS_V1, "phone_rings": 6}, user=network.manager_a)
        check(network.a2, D(2026, 3, day), ALL_PASS_V1, user=network.manager_a)
    report = report_for(["A1", "A2"], date_to=D(2026, 3, 30))
    a1, a2 = report.sites
    rings = (by_key(a1.criteria)["phone_rings"], by_key(a2.criteria)["phone_rings"])
    assert [(c.pass_rate.passed, c.pass_rate.expected) for c in rings] == [(0, 30), (30, 30)]
    assert [(c.flag, c.flagged) for c in rings] == [("below", True), ("above", False)]
    phone = (by_key(a1.touch_points)["phone"], by_key(a2.touch_points)["phone"])
    assert [(t.flag, t.flagged) for t in phone] == [("below", True), ("above", False)]
    assert [(s.flag, s.flagged) for s in report.sites] == [("below", True), ("above", False)]
    # Criteria both sites passed every day are in line with the network: no flag either way.
    assert {(c.flag, c.flagged) for s in report.sites for c in s.criteria if c.key != "phone_rings"} == {(None, False)}


def test_only_days_up_to_the_sites_local_today_and_after_opening_are_expected(dataset):
    Site.objects.filter(code="A2").update(opened_on=D(2026, 3, 3))
    rollup.rebuild(site_ids=[dataset.a2.pk])  # what changing a site's opening day asks for
    report = report_for(["A2"])
    assert report.sites[0].expected_days == 2  # 03-03 and 03-04; checks before opening do not count
    assert report.sites[0].checked_days == 2
    future = report_for(["A2"], date_from=D(2026, 3, 1), date_to=dt.date.today() + dt.timedelta(days=30))
    site = future.sites[0]
    assert site.expected_days <= (dt.date.today() + dt.timedelta(days=1) - D(2026, 3, 3)).days + 1


def test_today_is_expected_once_its_check_is_in(network, standard):
    # Each morning every site that had not checked yet lost a day in the 30 days up to today, as if nothing
    # had passed; the missed days do not count a day that is not over.
    from tests.conftest import client_for

    from .checks_support import check_body, local_today, submit

    a1 = network.a1
    today = local_today(a1)
    Site.objects.filter(pk=a1.pk).update(opened_on=today - dt.timedelta(days=2))
    before = report_for(["A1"], date_from=today - dt.timedelta(days=2), date_to=today).sites[0]
    assert (before.expected_days, before.missed_days) == (2, 2)  # the day before yesterday and yesterday
    assert submit(client_for(network.manager_a), "A1", check_body(a1)).status_code == 201
    after = report_for(["A1"], date_from=today - dt.timedelta(days=2), date_to=today).sites[0]
    assert (after.expected_days, after.checked_days, after.missed_days) == (3, 1, 2)
    # A period that ends before today asks nothing about today.
    with CaptureQueriesContext(connection) as past:
        report_for(["A1"], date_from=today - dt.timedelta(days=2), date_to=today - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as present:
        report_for(["A1"], date_from=today - dt.timedelta(days=2), date_to=today)
    assert len(present) == len(past) + 1


def test_inactive_site_is_expected_only_on_days_it_checked(dataset):
    Site.objects.filter(code="A1").update(active=False)
    a1 = report_for(["A1"]).sites[0]
    assert (a1.expected_days, a1.checked_days, a1.missed_days) == (3, 3, 0)
    assert by_key(a1.criteria)["phone_rings"].pass_rate.expected == 3


def test_an_empty_scope_and_a_period_without_data(network, standard):
    empty = variance_report(date_from=D(2026, 3, 1), date_to=D(2026, 3, 4), sites=Site.objects.none())
    assert empty.sites == [] and empty.consistency_index == 100.0 and empty.network_score == 0.0
    quiet = report_for(["A1"])
    a1 = quiet.sites[0]
    assert (a1.expected_days, a1.missed_days, a1.score) == (4, 4, 0.0)
    assert all(c.observations == 0 and c.mean_deviation is None for c in a1.criteria)


def _sites(n, region):
    from tests.factories import SiteFactory

    return [SiteFactory(code=f"Q{n}-{i:02d}", region=region) for i in range(n)]


@pytest.mark.parametrize("count", [2, 20])
def test_query_count_does_not_grow_with_sites_days_or_criteria(network, standard, count):
    second_version(D(2026, 3, 3))
    sites = _sites(count, network.region_a)
    for site in sites:
        for day in (1, 2, 4):
            check(site, D(2026, 3, day), ALL_PASS_V1 if day < 3 else ALL_PASS_V2, user=network.manager_a)
        photo(check(site, D(2026, 3, 5), ALL_PASS_V2, user=network.manager_a), key="restroom_clean", stale=True)
    scope = Site.objects.filter(code__startswith=f"Q{count}-")
    with CaptureQueriesContext(connection) as ctx:
        report = variance_report(date_from=D(2026, 2, 1), date_to=D(2026, 3, 31), sites=scope)
    assert len(report.sites) == count and all(s.photos.stale == 1 for s in report.sites)
    # versions, sites, the running totals at the boundaries (criterion and site totals: one read since
    # issue 16, it was two), the not-applicable marks (issue 18), photo counts
    assert len(ctx.captured_queries) == 5


def test_the_periods_photos_and_their_trust_flags_per_site(dataset):
    # A site sending the same restroom photo every morning scored as well as its peers, unflagged: the
    # photos' trust flags were shown per photo and in packs, nowhere head office compares sites.
    from consistency.models import CorrectiveAction, DailyCheck

    a1 = {c.date.day: c for c in DailyCheck.objects.filter(site=dataset.a1, is_current=True)}
    a2 = {c.date.day: c for c in DailyCheck.objects.filter(site=dataset.a2, is_current=True)}
    first = photo(DailyCheck.objects.get(site=dataset.a1, date=D(2026, 2, 27)))  # before the period
    photo(a1[1], reused_from=first)                           # the same photo again: reused
    photo(a1[3], reused_from=first, stale=True)               # and taken on the first day: both flags
    photo(a1[4], stale=True)                                  # taken long before the day
    photo(a1[4], status="rejected")                           # not evidence
    photo(a1[4], status="pending")
    superseded = DailyCheck.objects.get(site=dataset.a1, date=D(2026, 3, 4), is_current=False)
    photo(superseded, key="phone_greeting")                   # given for the check its amendment replaced
    action = CorrectiveAction.objects.create(site=dataset.a1, daily_check=a1[3], criterion=first.criterion,
                                             opened_at=a1[3].received_at, due_on=D(2026, 3, 6))
    photo(a1[3], action=action, reused_from=first)             # resolving an action with an old photo
    photo(a2[2])
    report = report_for(["A1", "A2"])
    counts = {s.code: s.photos for s in report.sites}
    # 02-27's photo is before the period; each other verified photo of A1 counts once.
    assert counts["A1"] == PhotoCounts(verified=5, reused=3, stale=2, suspect=4)
    assert counts["A2"] == PhotoCounts(verified=1, reused=0, stale=0, suspect=0)
    # The flags are shown, not scored: the scores are those of the same data without photos.
    assert [s.score for s in report.sites] == [15 / 32, 1.0]
    assert report_for(["A2"], date_from=D(2026, 2, 1), date_to=D(2026, 2, 28)).sites[0].photos == PhotoCounts()


def test_no_standard_yet_means_nothing_expected(network):
    report = report_for(["A1", "A2"])
    assert [s.code for s in report.sites] == ["A1", "A2"]
    assert all(s.expected_days == 0 and s.criteria == [] and s.touch_points == [] for s in report.sites)
    assert all(s.score is None and s.trend is None for s in report.sites)  # 0% would rank them worst
    assert report.versions == [] and report.consistency_index == 100.0


def test_a_period_before_the_first_version_expects_nothing(dataset):
    report = report_for(["A1"], date_from=D(2025, 12, 1), date_to=D(2025, 12, 31))
    assert report.sites[0].expected_days == 0 and report.versions == []
