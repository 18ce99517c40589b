"""The engine against a brute-force count from the raw rows, on a random history: missed days, late
checks, amendments, a version change, a site opened mid-period and an inactive site."""

import datetime as dt
import math
import random

import pytest

from consistency.models import CheckResult, Criterion
from consistency.selectors.standard import version_in_force
from consistency.variance import variance_report
from sites.models import Site
from tests.factories import SiteFactory

from .variance_data import ALL_PASS_V1, ALL_PASS_V2, check, second_version

D = dt.date


def brute_force(site, date_from, date_to, today):
    """Per criterion key: (passed, expected, observations, deviation sum) counted day by day."""
    out = {}
    if site.active:
        days = [date_from + dt.timedelta(days=i) for i in range((date_to - date_from).days + 1)]
        days = [d for d in days if site.opened_on <= d <= today]
    else:
        days = sorted({c.date for c in site.checks.filter(is_current=True, date__range=(date_from, date_to))})
    for day in days:
        version = version_in_force(on=day)
        if version is None:
            continue
        keys = set(Criterion.objects.filter(version=version).values_list("key", flat=True))
        results = {r.criterion.key: r for r in CheckResult.objects.filter(site=site, date=day, is_current=True)
                   .select_related("criterion")}
        for key in keys:
            p, e, n, s = out.get(key, (0, 0, 0, 0.0))
            r = results.get(key)
            out[key] = (p + (1 if r is not None and r.passed else 0), e + 1, n + (r is not None),
                        s + (r.deviation if r is not None else 0.0))
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_engine_equals_a_brute_force_count(network, standard, seed):
    rng = random.Random(seed)
    second_version(D(2026, 3, 12))
    late_opener = SiteFactory(code="LATE", region=network.region_a, opened_on=D(2026, 3, 8))
    closed = SiteFactory(code="SHUT", region=network.region_a)
    sites = [network.a1, network.a2, network.b1, late_opener, closed]
    for site in sites:
        for i in range(24):
            day = D(2026, 2, 25) + dt.timedelta(days=i)
            if day < site.opened_on or rng.random() < 0.25:
                continue  # a missed day
            base = ALL_PASS_V1 if day < D(2026, 3, 12) else ALL_PASS_V2
            values = {k: v for k, v in base.items() if rng.random() < 0.95}  # now and then a criterion left out
            values = {k: (v if rng.random() < 0.7 else {"phone_rings": 6, "restroom_clean": 2}.get(k, 0))
                      for k, v in values.items()}
            first = check(site, day, values, user=network.manager_a, late=rng.random() < 0.2)
            if rng.random() < 0.15:
                check(site, day, {**values, "phone_greeting": 1 - values.get("phone_greeting", 1)},
                      user=network.manager_a, amends=first)
    Site.objects.filter(pk=closed.pk).update(active=False)

    date_from, date_to = D(2026, 3, 5), D(2026, 3, 18)
    report = variance_report(date_from=date_from, date_to=date_to, sites=Site.objects.all())
    today = dt.date.max  # the period is long past in every time zone
    network_passed = network_expected = 0
    for sv in report.sites:
        site = Site.objects.get(code=sv.code)
        expected = brute_force(site, date_from, date_to, today)
        got = {c.key: c for c in sv.criteria}
        assert set(got) == {k for k, v in expected.items() if v[1] or v[2]}, sv.code
        for key, (p, e, n, s) in expected.items():
            c = got[key]
            assert (c.pass_rate.passed, c.pass_rate.expected, c.observations) == (p, e, n), (sv.code, key)
            if n:
                assert c.mean_deviation == pytest.approx(s / n, abs=1e-12)
            network_passed += p
            network_expected += e
        assert sv.checked_days + sv.missed_days == sv.expected_days
    spread = {s.key: s for s in report.criterion_spread}
    for key, s in spread.items():
        rates = [(c.pass_rate.rate, c.pass_rate.expected) for sv in report.sites for c in sv.criteria
                 if c.key == key and c.pass_rate.expected]
        total = sum(w for _, w in rates)
        r = sum(rate * w for rate, w in rates) / total
        assert s.network_rate == pytest.approx(r)
        assert s.stddev == pytest.approx(math.sqrt(sum(w * (rate - r) ** 2 for rate, w in rates) / total))
    assert report.consistency_index == pytest.approx(
        100 * (1 - sum(s.stddev for s in spread.values()) / len(spread) / 0.5))
