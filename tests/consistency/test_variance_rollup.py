"""The running totals behind the variance engine stay equal to the raw current results, whatever order
checks arrive in: late checks for earlier days, amendments, gaps, a version change."""

import datetime as dt
import random
import uuid

import pytest
from django.utils import timezone

from consistency.models import CheckResult, SiteRollup
from consistency.services import rollup
from consistency.variance import variance_report
from consistency.variance.timeline import Timeline
from sites.models import Site
from tests.conftest import client_for

from .variance_data import ALL_PASS_V1, ALL_PASS_V2, check, second_version

D = dt.date


def totals_from_raw(site):
    """Brute force: per day from the first to the last reported day, the totals since the beginning."""
    timeline = Timeline.load()
    rows = list(CheckResult.objects.filter(site=site, is_current=True, date__gte=site.opened_on)
                .values_list("date", "criterion__key", "passed", "deviation"))
    checks = {c.date: c.late for c in site.checks.filter(is_current=True, date__gte=site.opened_on)}
    if not checks:
        return {}, {}
    crit, days = {}, {}
    day, last = min(checks), max(checks)
    running, checked, late = {}, 0, 0
    while day <= last:
        for d, key, ok, dev in rows:
            if d == day and key in timeline.keys_expected(day):
                n, p, s, s2 = running.get(key, (0, 0, 0.0, 0.0))
                running[key] = (n + 1, p + ok, s + dev, s2 + dev * dev)
        if day in checks:
            checked, late = checked + 1, late + checks[day]
        days[day] = (checked, late, day == last)
        for key, t in running.items():
            crit[(key, day)] = (*t, day == last)
        day += dt.timedelta(days=1)
    return crit, days


def stored(site):
    rows = list(SiteRollup.objects.filter(site=site))
    for r in rows:  # one entry per key, keys sorted, every list aligned with them
        assert r.keys == sorted(set(r.keys))
        assert {len(r.observations), len(r.passed), len(r.deviation_sum), len(r.deviation_sq_sum)} <= {len(r.keys)}
    crit = {(key, r.date): (*t, r.is_head) for r in rows for key, t in r.criterion_totals().items()}
    days = {r.date: (r.checked_days, r.late_checks, r.is_head) for r in rows}
    return crit, days


def head_totals(site) -> dict:
    return SiteRollup.objects.get(site=site, is_head=True).criterion_totals()


def assert_rollup_matches_raw(site):
    expected_crit, expected_days = totals_from_raw(site)
    crit, days = stored(site)
    assert days == expected_days
    assert crit.keys() == expected_crit.keys()
    for k, v in expected_crit.items():
        assert crit[k][:2] == v[:2] and crit[k][4] == v[4], k
        assert crit[k][2:4] == pytest.approx(v[2:4], abs=1e-9), k


def test_checks_in_any_order_keep_the_totals_exact(network, standard):
    second_version(D(2026, 3, 10))
    site, user = network.a1, network.manager_a
    rng = random.Random(4)
    days = [D(2026, 3, 1) + dt.timedelta(days=i) for i in range(20)]
    current = {}
    for day in rng.sample(days, 14):  # arrival order shuffled: late checks for earlier days, gaps
        base = ALL_PASS_V1 if day < D(2026, 3, 10) else ALL_PASS_V2
        values = {k: (v if rng.random() < 0.7 else (0 if k != "phone_rings" else 7)) for k, v in base.items()}
        values = {k: (1 if k == "restroom_clean" and v == 0 else v) for k, v in values.items()}
        current[day] = check(site, day, values, user=user, late=rng.random() < 0.3)
        assert_rollup_matches_raw(site)
    for day in rng.sample(sorted(current), 4):  # amendments
        base = ALL_PASS_V1 if day < D(2026, 3, 10) else ALL_PASS_V2
        current[day] = check(site, day, {**base, "phone_greeting": 0}, user=user, amends=current[day])
        assert_rollup_matches_raw(site)
    incremental = stored(site)
    written = rollup.rebuild(site_ids=[site.pk])
    assert written > 0 and stored(site) == incremental


def test_a_later_day_fills_the_missed_days_before_it(network, standard):
    site, user = network.a1, network.manager_a
    check(site, D(2026, 3, 1), ALL_PASS_V1, user=user)
    check(site, D(2026, 3, 5), ALL_PASS_V1, user=user)
    rows = SiteRollup.objects.filter(site=site).order_by("date")
    assert [(r.date.day, r.checked_days, r.is_head) for r in rows] == [
        (1, 1, False), (2, 1, False), (3, 1, False), (4, 1, False), (5, 2, True)]
    assert len(head_totals(site)) == 4


def test_evidence_verified_later_is_picked_up_by_the_hook(network, standard):
    site = network.a1
    dc = check(site, D(2026, 3, 1), ALL_PASS_V1, user=network.manager_a, passed={"restroom_clean": False})
    period = {"date_from": D(2026, 3, 1), "date_to": D(2026, 3, 1), "sites": Site.objects.filter(pk=site.pk)}
    before = {c.key: c for c in variance_report(**period).sites[0].criteria}["restroom_clean"]
    assert before.pass_rate.passed == 0
    # What the evidence service does when the photo is verified: update the result, call the hook.
    CheckResult.objects.filter(daily_check=dc, criterion__key="restroom_clean").update(passed=True)
    rollup.results_changed(site_id=site.pk, dates=[dc.date])
    after = {c.key: c for c in variance_report(**period).sites[0].criteria}["restroom_clean"]
    assert after.pass_rate.passed == 1


def test_a_check_submitted_through_the_api_reaches_the_variance_report(network, standard):
    site = network.a1
    today = timezone.now().astimezone(site.tz).date()
    body = {"date": today.isoformat(), "client_id": str(uuid.uuid4()),
            "performed_at": timezone.now().isoformat(),
            "results": [{"criterion": k, "value": v} for k, v in
                        {"phone_rings": 2, "phone_greeting": True, "restroom_clean": 5,
                         "delivery_on_time_pct": 99}.items()]}
    r = client_for(network.manager_a).post(f"/api/v1/sites/{site.code}/checks/", body, format="json")
    assert r.status_code == 201, r.content
    report = client_for(network.head_office).get(f"/api/v1/sites/{site.code}/variance/",
                                                  {"from": today.isoformat(), "to": today.isoformat()}).json()
    a1 = report["sites"][0]
    assert (a1["expected_days"], a1["checked_days"], a1["missed_days"]) == (1, 1, 0)
    delivery = next(c for c in a1["criteria"] if c["key"] == "delivery_on_time_pct")
    assert delivery["pass_rate"]["passed"] == 1
    assert_rollup_matches_raw(site)


@pytest.mark.parametrize("extra_criteria", [0, 20])
def test_the_hook_costs_a_fixed_number_of_queries(network, extra_criteria):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import published_version, small_standard_doc

    doc = small_standard_doc()
    doc["touch_points"].append({"key": "extra", "name": "Extra", "criteria": [
        {"key": f"extra_{i}", "prompt": "Extra", "kind": "boolean", "weight": 1} for i in range(extra_criteria)]})
    if not extra_criteria:
        doc["touch_points"].pop()
    published_version(doc)
    site = network.a1
    check(site, D(2026, 3, 1), ALL_PASS_V1, user=network.manager_a)
    check(site, D(2026, 3, 2), ALL_PASS_V1, user=network.manager_a, passed={"restroom_clean": False})
    CheckResult.objects.filter(date=D(2026, 3, 2), criterion__key="restroom_clean").update(passed=True)
    with CaptureQueriesContext(connection) as ctx:  # today's check: one day rewritten
        rollup.results_changed(site_id=site.pk, dates=[D(2026, 3, 2)])
    # lock the site, the append statement (which finds the day not after the head and writes nothing),
    # versions, base totals, results, checks, delete, insert (one row per day, every key in it)
    assert len(ctx.captured_queries) == 8, [q["sql"][:90] for q in ctx.captured_queries]
    assert_rollup_matches_raw(site)


def test_rebuild_command_recovers_totals_written_without_the_hook(network, standard):
    from io import StringIO

    from django.core.management import call_command

    site = network.a1
    check(site, D(2026, 3, 1), ALL_PASS_V1, user=network.manager_a)
    check(site, D(2026, 3, 3), ALL_PASS_V1, user=network.manager_a)
    SiteRollup.objects.all().delete()
    out = StringIO()
    call_command("rebuild_variance", "A1", stdout=out)
    assert "Rebuilt" in out.getvalue()
    assert_rollup_matches_raw(site)
    with pytest.raises(SystemExit):
        call_command("rebuild_variance", "NOPE", stdout=out, stderr=StringIO())


def test_a_day_after_the_head_is_appended_in_sql_as_a_rebuild_would_write_it(network, standard):
    """The fast path (a check for a day after the last one) against the brute force and a full rebuild:
    first day, next day, missed days, a version change that drops and adds keys."""
    second_version(D(2026, 3, 4))
    site, user = network.a1, network.manager_a
    for day, late in [(D(2026, 3, 1), False), (D(2026, 3, 2), True), (D(2026, 3, 6), False), (D(2026, 3, 7), True)]:
        base = ALL_PASS_V1 if day < D(2026, 3, 4) else ALL_PASS_V2
        check(site, day, {**base, "phone_rings": 7}, user=user, late=late, passed={"phone_greeting": False})
        assert_rollup_matches_raw(site)
    appended = stored(site)
    rollup.rebuild(site_ids=[site.pk])
    assert stored(site) == appended


def test_appending_counts_only_the_keys_of_the_version_in_force(network, standard, monkeypatch):
    """A result whose key the day's version does not have is left out, as the rebuild leaves it out."""
    from consistency.models import Criterion

    second_version(D(2026, 3, 4))
    site, user = network.a1, network.manager_a
    check(site, D(2026, 3, 1), ALL_PASS_V1, user=user)
    real = rollup.results_changed
    monkeypatch.setattr(rollup, "results_changed", lambda **kw: None)
    dc = check(site, D(2026, 3, 5), ALL_PASS_V2, user=user)
    monkeypatch.setattr(rollup, "results_changed", real)
    dropped = Criterion.objects.filter(key="delivery_on_time_pct").order_by("pk").first()  # version 1 only
    CheckResult.objects.create(daily_check=dc, criterion=dropped, site=site, date=dc.date, is_current=True,
                               value=10, met=False, passed=False, deviation=0.5)
    rollup.results_changed(site_id=site.pk, dates=[dc.date])
    assert_rollup_matches_raw(site)
    assert head_totals(site)["delivery_on_time_pct"][0] == 1


@pytest.mark.parametrize("gap", [None, 0, 3])
def test_appending_a_day_costs_a_fixed_number_of_queries(network, standard, monkeypatch, gap):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    site, user = network.a1, network.manager_a
    day = D(2026, 3, 1)
    if gap is not None:
        check(site, day, ALL_PASS_V1, user=user)
        day += dt.timedelta(days=gap + 1)
    real = rollup.results_changed
    monkeypatch.setattr(rollup, "results_changed", lambda **kw: None)
    check(site, day, ALL_PASS_V1, user=user, passed={"restroom_clean": False})
    monkeypatch.setattr(rollup, "results_changed", real)
    with CaptureQueriesContext(connection) as ctx:
        rollup.results_changed(site_id=site.pk, dates=[day])
    # lock the site; one statement for the rest, whatever the gap (missed days included)
    assert len(ctx.captured_queries) == 2, [q["sql"][:90] for q in ctx.captured_queries]
    assert_rollup_matches_raw(site)
