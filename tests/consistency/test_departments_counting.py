"""Counting department checks: every part's results count in the variance totals, but a day is checked (and
late), missed or "today's check is in" by the site's own check only. The running totals stay equal to a rebuild
from the raw rows, whatever order the parts arrive in (the department's first, appended; the site's then,
rebuilt), through the one submission path."""

import datetime as dt
import random
import zoneinfo

import pytest
from django.utils import timezone

from consistency.models import CheckResult, DailyCheck, SiteRollup
from consistency.selectors.missed import missed_days
from consistency.services import rollup
from consistency.services.check_rules import CheckInput, ResultInput
from consistency.services.checks import check_submit
from consistency.variance import variance_report
from consistency.variance.timeline import Timeline
from sites.models import Site

from .departments_support import ACCOUNTING_PART, SITE_PART, department_standard

pytestmark = pytest.mark.django_db
D = dt.date


def raw_totals(site):
    """Brute force from the raw rows: per day from the first to the last day with any current check, the totals
    of every part's current results since the beginning, and the days checked and late by the site's own check."""
    timeline = Timeline.load()
    rows = list(CheckResult.objects.filter(site=site, is_current=True, date__gte=site.opened_on)
                .values_list("date", "criterion__key", "passed", "deviation"))
    current = list(DailyCheck.objects.filter(site=site, is_current=True, date__gte=site.opened_on)
                   .values_list("date", "late", "department_id"))
    if not current:
        return {}, {}
    own = {day: late for day, late, department in current if department is None}
    crit, days = {}, {}
    day, last = min(d for d, _, _ in current), max(d for d, _, _ in current)
    running, checked, late = {}, 0, 0
    while day <= last:
        for d, key, ok, dev in rows:
            if d == day and key in timeline.keys_expected(day):
                n, p, s, s2 = running.get(key, (0, 0, 0.0, 0.0))
                running[key] = (n + 1, p + ok, s + dev, s2 + dev * dev)
        if day in own:
            checked, late = checked + 1, late + own[day]
        days[day] = (checked, late, day == last)
        for key, t in running.items():
            crit[(key, day)] = (n_p_s(t), day == last)
        day += dt.timedelta(days=1)
    return crit, days


def n_p_s(t):
    return (t[0], t[1], round(t[2], 9), round(t[3], 9))


def stored(site):
    rows = list(SiteRollup.objects.filter(site=site))
    crit = {(key, r.date): (n_p_s(t), r.is_head) for r in rows for key, t in r.criterion_totals().items()}
    days = {r.date: (r.checked_days, r.late_checks, r.is_head) for r in rows}
    return crit, days


def assert_matches_raw(site):
    assert stored(site) == raw_totals(site)


def submit_part(site, user, day, *, department=None, rng, amends=None, late_by=0):
    values = ACCOUNTING_PART if department else SITE_PART
    results = []
    for key, value in values.items():
        if rng.random() < 0.3:  # a failing reading
            value = {"phone_rings": 7, "phone_greeting": False, "restroom_clean": 2}.get(key, 50.0)
        results.append(ResultInput(key, value))
    tz = zoneinfo.ZoneInfo(site.timezone)
    now = dt.datetime.combine(day + dt.timedelta(days=late_by), dt.time(18, 0), tzinfo=tz)
    performed = dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz)
    return check_submit(site=site, user=user, now=now, payload=CheckInput(
        date=day, results=results, performed_at=performed, department=department, amends=amends,
        reason="re-read" if amends else "")).check


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_parts_in_any_order_keep_the_totals_equal_to_a_rebuild_from_raw_rows(network, seed):
    department_standard()
    site, manager, accountant = network.a1, network.manager_a, network.accountant
    rng = random.Random(seed)
    days = [D(2026, 3, 1) + dt.timedelta(days=i) for i in range(16)]
    arrivals = []
    for day in days:
        parts = [p for p in (None, "accounting") if rng.random() < 0.75]
        arrivals += [(day, p) for p in parts]
    rng.shuffle(arrivals)
    # Mostly in day order (appends), some late (rebuilds): sort by day with a random lateness.
    arrivals.sort(key=lambda a: a[0] + dt.timedelta(days=rng.choice([0, 0, 0, 1, 3])))
    current = {}
    for day, part in arrivals:
        user = accountant if part else manager
        current[(day, part)] = submit_part(site, user, day, department=part, rng=rng, late_by=rng.choice([0, 0, 1]))
        assert_matches_raw(site)
    for (day, part) in rng.sample(sorted(current, key=lambda k: (k[0], k[1] or "")), min(4, len(current))):
        user = accountant if part else manager
        current[(day, part)] = submit_part(site, user, day, department=part, rng=rng, amends=current[(day, part)].pk)
        assert_matches_raw(site)
    incremental = stored(site)
    assert rollup.rebuild(site_ids=[site.pk]) > 0
    assert stored(site) == incremental


def test_the_department_check_first_is_appended_then_the_sites_rebuilds_the_day(network):
    department_standard()
    site, rng = network.a1, random.Random(9)
    submit_part(site, network.manager_a, D(2026, 3, 1), rng=rng)
    submit_part(site, network.accountant, D(2026, 3, 3), department="accounting", rng=rng)
    head = SiteRollup.objects.get(site=site, is_head=True)
    # Appended with accounting's results, and no checked day: the 3rd is not checked yet.
    assert (head.date, head.checked_days, head.keys) == (D(2026, 3, 3), 1, sorted({*SITE_PART, *ACCOUNTING_PART}))
    submit_part(site, network.manager_a, D(2026, 3, 3), rng=rng, late_by=1)
    head = SiteRollup.objects.get(site=site, is_head=True)
    assert (head.date, head.checked_days, head.late_checks) == (D(2026, 3, 3), 2, 1)
    assert dict(zip(head.keys, head.observations, strict=True)) == {
        "delivery_on_time_pct": 1, "phone_greeting": 2, "phone_rings": 2, "restroom_clean": 2}
    assert_matches_raw(site)


def test_a_department_check_alone_is_no_checked_day_and_the_day_is_missed(network):
    department_standard()
    site, rng = network.a1, random.Random(3)
    now = timezone.now()
    today = now.astimezone(site.tz).date()
    yesterday, before = today - dt.timedelta(days=1), today - dt.timedelta(days=2)
    Site.objects.filter(pk=site.pk).update(opened_on=before)
    site.refresh_from_db()
    submit_part(site, network.manager_a, before, rng=rng)
    for day in (yesterday, today):
        submit_part(site, network.accountant, day, department="accounting", rng=rng)
    missed = missed_days(user=network.head_office, date_from=before, date_to=today, site=site)
    assert [m.date for m in missed[:10]] == [yesterday]
    report = variance_report(date_from=before, date_to=today, sites=Site.objects.filter(pk=site.pk))
    row = report.sites[0]
    # Today is not expected: only the accounting check is in (the site's own is not).
    assert (row.expected_days, row.checked_days, row.missed_days) == (2, 1, 1)
    observations = {c.key: c.observations for c in row.criteria}
    # Accounting's results of yesterday and today count (its check of today is in, so its results are).
    assert observations["delivery_on_time_pct"] == 2 and observations["phone_rings"] == 1
    # Once the site's own check of today is in, today is expected and checked.
    submit_part(site, network.manager_a, today, rng=rng)
    row = variance_report(date_from=before, date_to=today, sites=Site.objects.filter(pk=site.pk)).sites[0]
    assert (row.expected_days, row.checked_days, row.missed_days) == (3, 2, 1)
