"""Do sites that comply more score better with customers? A correlation computed by hand on ten sites' audits
and feedback, the sites that do not have enough data left out, and the verdicts said plainly."""

import datetime as dt

import pytest

from customer.perception import perception_gap, stats
from customer.perception.correlation import correlation
from customer.perception.types import CustomerScore, Gap, SiteGap
from sites.models import Role, Site
from tests.factories import SiteFactory, person

from .perception_data import audit, feedback

KEYS = ["phone_rings", "phone_greeting", "restroom_clean", "delivery_on_time_pct"]
DAY = dt.date(2026, 3, 2)
# Per site: audit results passed of 40, satisfied responses of 40.
PASSES = [20, 24, 26, 28, 30, 32, 34, 36, 38, 40]
SATISFIED = [18, 20, 26, 22, 30, 28, 32, 36, 30, 38]


def approx(x):
    return pytest.approx(x, abs=5e-5)


def site_with(code: str, *, passes: int, results: int, satisfied: int, responses: int, user):
    """``results`` audit results (4 a visit, the first ``passes`` passed) and ``responses`` feedback responses (9 of
    10 for a satisfied one, 5 of 10 for the others)."""
    site = SiteFactory(code=code)
    outcomes = [i < passes for i in range(results)]
    for visit in range(0, results, 4):
        audit(site, DAY, dict(zip(KEYS, outcomes[visit:visit + 4], strict=False)), user=user)
    feedback(site, DAY, [9] * satisfied + [5] * (responses - satisfied))
    return site


@pytest.fixture
def ten_sites(standard):
    user = person("auditor.c", Role.AUDITOR)
    for i, (k, s) in enumerate(zip(PASSES, SATISFIED, strict=True)):
        site_with(f"C{i:02d}", passes=k, results=40, satisfied=s, responses=40, user=user)
    # Left out: 28 audit results (< 30), and 29 responses (< 30), however extreme their rates.
    site_with("T01", passes=0, results=28, satisfied=40, responses=40, user=user)
    site_with("T02", passes=40, results=40, satisfied=0, responses=29, user=user)


def test_pearson_and_fishers_interval_by_hand(ten_sites):
    answer = perception_gap(sites=Site.objects.all(), date_from=DAY, date_to=DAY)
    self_check, audits = answer.correlations
    # x = passes/40: 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0; y = satisfied/40: 0.45, 0.5, 0.65, 0.55,
    # 0.75, 0.7, 0.8, 0.9, 0.75, 0.95. Σx = 7.7, Σy = 7.0, Σxy = 5.6075, Σx² = 6.16, Σy² = 5.145.
    # r = (10·5.6075 - 7.7·7.0) / sqrt((10·6.16 - 7.7²)(10·5.145 - 7.0²)) = 2.175 / sqrt(2.31 · 2.45) = 0.914261.
    # Fisher: z = atanh(0.914261) = 1.552890, se = 1/sqrt(10 - 3) = 0.377964, z ± 1.959964·se = 0.812093 ..
    # 2.293687, tanh -> 0.670743 .. 0.979846: excludes 0, positive.
    assert (audits.measure, audits.sites) == ("audit", 10)
    assert (audits.r, audits.low, audits.high) == (approx(0.914261), approx(0.670743), approx(0.979846))
    assert audits.verdict == "positive"
    assert audits.message == ("Sites with a higher audit pass rate have more satisfied customers (a strong link): "
                              "r = 0.91 (95% interval 0.67 to 0.98) over 10 sites.")
    # No self-checks at all: too thin.
    assert (self_check.measure, self_check.sites, self_check.verdict, self_check.r) == ("self_check", 0, "too_thin",
                                                                                        None)


def test_nine_sites_are_too_thin(ten_sites):
    answer = perception_gap(sites=Site.objects.exclude(code="C00"), date_from=DAY, date_to=DAY)
    audits = answer.correlations[1]
    assert (audits.sites, audits.verdict, audits.r, audits.low, audits.high) == (9, "too_thin", None, None, None)
    assert audits.message.startswith("Too thin: 9 sites have at least 30 audit results and 30 feedback responses; "
                                     "10 are needed")


def fake(code: str, audit_rate: float, satisfied: float, n: int = 40) -> SiteGap:
    rate = stats.rate(round(audit_rate * n), n)
    share = stats.rate(round(satisfied * n), n)
    none = Gap(None, None, None, False)
    return SiteGap(code=code, name=code, region="r", self_check=stats.rate(0, 0), audit=rate,
                   customer=CustomerScore(share, None, None, None), optimism=none, audits=1, rank=None)


def test_the_other_verdicts():
    xs = [0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0]
    # The same points with y reversed: r = -0.914261, interval -0.979846 .. -0.670743.
    negative = correlation("audit", [fake(f"S{i}", x, y) for i, (x, y) in
                                     enumerate(zip(xs, [0.95, 0.75, 0.9, 0.8, 0.7, 0.75, 0.55, 0.65, 0.5, 0.45],
                                                   strict=True))])
    assert (negative.verdict, negative.r, negative.low) == ("negative", approx(-0.914261), approx(-0.979846))
    assert negative.message.startswith("Sites with a higher audit pass rate have fewer satisfied customers (a strong")
    # A weak link on 10 sites: r = 0.3 would need about 43 sites to exclude 0.
    weak = correlation("audit", [fake(f"S{i}", x, y) for i, (x, y) in
                                 enumerate(zip(xs, [0.5, 0.9, 0.6, 0.5, 0.9, 0.6, 0.5, 0.9, 0.6, 0.7], strict=True))])
    assert weak.verdict == "no_clear_link" and weak.low < 0 < weak.high
    assert "the interval includes 0" in weak.message
    flat = correlation("audit", [fake(f"S{i}", x, 0.75) for i, x in enumerate(xs)])
    assert (flat.verdict, flat.r, flat.sites) == ("no_clear_link", None, 10)
    assert "same" in flat.message


def test_fisher_at_the_edges():
    assert stats.fisher(1.0, 10) == (1.0, 1.0)
    assert stats.pearson([1.0], [1.0]) is None
