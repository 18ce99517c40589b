"""Weekly scores (consistency/variance/series.py) against the engine itself: on random histories, every
site's score and interval for every week equal ``variance_report`` asked for that week alone, and the
median is the median of those scores. The histories have missed days, late checks, amendments, a version
change inside a week, a site opened mid-period, an inactive site, two time zones and a period reaching
today."""

import datetime as dt
import random
import statistics

import pytest
from django.utils import timezone

from consistency.variance import variance_report
from consistency.variance.series import Week, weekly_scores, weeks_of
from sites.models import Site
from tests.factories import SiteFactory

from .variance_data import ALL_PASS_V1, ALL_PASS_V2, check, second_version

D = dt.date


def _history(network, rng, *, first: dt.date, days: int, change: dt.date | None):
    late_opener = SiteFactory(code="LATE", region=network.region_a, opened_on=first + dt.timedelta(days=days // 2))
    closed = SiteFactory(code="SHUT", region=network.region_b)
    for site in (network.a1, network.a2, network.b1, late_opener, closed):
        for i in range(days):
            day = first + dt.timedelta(days=i)
            if day < site.opened_on or day > timezone.localtime(timezone.now(), site.tz).date() \
                    or rng.random() < 0.25:
                continue  # a missed day (or one that has not come yet)
            base = ALL_PASS_V2 if change and day >= change else ALL_PASS_V1
            values = {k: v for k, v in base.items() if rng.random() < 0.95}
            values = {k: (v if rng.random() < 0.7 else {"phone_rings": 6, "restroom_clean": 2}.get(k, 0))
                      for k, v in values.items()}
            first_check = check(site, day, values, user=network.manager_a, late=rng.random() < 0.2)
            if rng.random() < 0.15:
                check(site, day, {**values, "phone_greeting": 1 - values.get("phone_greeting", 1)},
                      user=network.manager_a, amends=first_check)
    Site.objects.filter(pk=closed.pk).update(active=False)


def _assert_weeks_equal_the_engine(weeks, sites):
    series = weekly_scores(weeks=weeks, sites=sites)
    assert [w for w in series.weeks] == weeks
    for w, week in enumerate(weeks):
        report = variance_report(date_from=week.start, date_to=week.end, sites=sites)
        assert {sv.code for sv in report.sites} == set(series.sites)
        for sv in report.sites:
            got = series.sites[sv.code][w]
            if sv.score is None:
                assert got.score is None, (sv.code, week)
            else:
                assert got.score == pytest.approx(sv.score, abs=1e-12), (sv.code, week)
            assert (got.low, got.high) == pytest.approx(sv.score_interval, abs=1e-12), (sv.code, week)
        scored = [sv.score for sv in report.sites if sv.score is not None]
        assert series.medians[w] == (pytest.approx(statistics.median(scored)) if scored else None)
    return series


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_week_equals_variance_report_for_that_week(network, standard, seed):
    rng = random.Random(seed)
    change = D(2026, 3, 12)  # a Thursday: the version changes inside a week
    second_version(change)
    _history(network, rng, first=D(2026, 2, 20), days=35, change=change)
    weeks = weeks_of(D(2026, 2, 25), D(2026, 3, 24))  # a Wednesday to a Tuesday: both ends cut
    assert weeks[0] == Week(D(2026, 2, 25), D(2026, 3, 1)) and weeks[-1] == Week(D(2026, 3, 23), D(2026, 3, 24))
    series = _assert_weeks_equal_the_engine(weeks, Site.objects.all())
    # Not vacuous: weeks with scores, different ones, and the late opener without one before it opened.
    assert len({s.score for scores in series.sites.values() for s in scores}) > 5
    assert series.sites["LATE"][0].score is None and series.sites["LATE"][-1].score is not None


def test_weeks_reaching_today_in_two_time_zones(network, standard):
    """Today is not over: it counts once its check is in (Auckland and New York are on different days)."""
    rng = random.Random(7)
    today = timezone.localdate()
    _history(network, rng, first=today - dt.timedelta(days=20), days=22, change=None)
    weeks = weeks_of(today - dt.timedelta(days=16), today)
    _assert_weeks_equal_the_engine(weeks, Site.objects.all())


def test_a_subset_of_sites_and_its_median(network, standard):
    rng = random.Random(11)
    _history(network, rng, first=D(2026, 4, 1), days=21, change=None)
    weeks = weeks_of(D(2026, 4, 6), D(2026, 4, 19))
    region_a = Site.objects.filter(region=network.region_a)
    series = _assert_weeks_equal_the_engine(weeks, region_a)
    assert set(series.sites) == set(region_a.values_list("code", flat=True))


def test_weeks_of_a_period():
    assert weeks_of(D(2026, 3, 2), D(2026, 3, 8)) == [Week(D(2026, 3, 2), D(2026, 3, 8))]
    weeks = weeks_of(D(2026, 3, 1), D(2026, 3, 30))
    assert [w.days for w in weeks] == [1, 7, 7, 7, 7, 1]
    assert all(b.start - a.end == dt.timedelta(days=1) for a, b in zip(weeks, weeks[1:], strict=False))
    with pytest.raises(ValueError):
        weekly_scores(weeks=[weeks[0], weeks[2]], sites=Site.objects.all())


def test_queries_do_not_grow_with_weeks_or_sites(network, standard, django_assert_num_queries):
    # the timeline, the sites, the running totals at every week boundary, the not-applicable marks (issue 18)
    rng = random.Random(3)
    _history(network, rng, first=D(2026, 5, 1), days=30, change=None)
    with django_assert_num_queries(4):
        weekly_scores(weeks=weeks_of(D(2026, 5, 4), D(2026, 5, 10)), sites=Site.objects.filter(code="A1"))
    with django_assert_num_queries(4):
        weekly_scores(weeks=weeks_of(D(2026, 5, 1), D(2026, 5, 30)), sites=Site.objects.all())
