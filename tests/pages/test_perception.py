"""/app/perception/, the league table's gap column and the site page's perception panel on real rows (checks,
audits, feedback days) through the real engine: the pages write the engine's numbers (the API's), a few
of them known by hand; each role's scope; a constant number of queries.

The data (March 2-8 2026, every site checks every day and passes everything):
- A1: two audits failing phone_rings and restroom_clean, passing phone_greeting (2 of 6 audited results
  pass, so 33.3%); a mystery shop by the shopper passing phone_greeting; feedback: 20 responses, 5 satisfied (2, 1, 1, 1 of 5 a day).
- A2: one audit passing its 3 criteria; feedback: 20 responses, 18 satisfied.
- B1: no audit, no feedback."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from consistency.models import DailyCheck
from customer.models import AuditKind
from customer.perception import perception_gap
from pages.format import pct, points
from sites.models import Site
from tests.consistency.variance_data import ALL_PASS_V1, check
from tests.factories import SiteFactory
from tests.pages.perception_data import ENGINE_QUERIES, audit, feedback

pytestmark = pytest.mark.django_db

D = dt.date
FROM, TO = D(2026, 3, 2), D(2026, 3, 8)
PERIOD = {"period": "custom", "from": FROM.isoformat(), "to": TO.isoformat()}
FAILING = {"phone_rings": 6, "phone_greeting": 1, "restroom_clean": 2}
PASSING = {"phone_rings": 2, "phone_greeting": 1, "restroom_clean": 5}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def gap_data(network, standard):
    for site, manager in ((network.a1, network.manager_a), (network.a2, network.manager_a),
                          (network.b1, network.manager_b)):
        for i in range(7):
            check(site, FROM + dt.timedelta(days=i), ALL_PASS_V1, user=manager)
    audit(network.a1, D(2026, 3, 3), FAILING, user=network.auditor)
    audit(network.a1, D(2026, 3, 6), FAILING, user=network.head_office)
    audit(network.a1, D(2026, 3, 7), {"phone_greeting": 1}, user=network.shopper, kind=AuditKind.MYSTERY_SHOP)
    audit(network.a2, D(2026, 3, 4), PASSING, user=network.auditor)
    for i in range(4):
        feedback(network.a1, FROM + dt.timedelta(days=i), responses=5, satisfied=[2, 1, 1, 1][i])
        feedback(network.a2, FROM + dt.timedelta(days=i), responses=5, satisfied=[5, 4, 5, 4][i])
    return network


def engine(codes=None, **kwargs):
    sites = Site.objects.all() if codes is None else Site.objects.filter(code__in=codes)
    return perception_gap(sites=sites, date_from=FROM, date_to=TO, **kwargs)


def figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1).strip()


def values(html: str, row: str) -> dict[str, str]:
    """{column: data-value} of one row of the perception table."""
    tr = re.search(rf'<tr class="[^"]*" data-row="{row}">(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-col="([a-z_]+)" data-value="([^"]*)"', tr))


def as_value(x: float | None) -> str:
    return "" if x is None else str(x)


def test_the_page_writes_the_engines_answer(gap_data):
    answer = signed_in(gap_data.head_office).get("/app/perception/", PERIOD)
    assert answer.status_code == 200
    html = answer.content.decode()
    gap = engine()
    assert figure(html, "self_check") == pct(gap.overall.self_check.rate)
    assert figure(html, "audit") == pct(gap.overall.audit.rate)
    assert figure(html, "customer") == pct(gap.overall.customer.satisfied.rate)
    assert figure(html, "self_vs_audit") == points(gap.overall.self_vs_audit.value)
    for row in [gap.overall, *gap.touch_points, *gap.criteria]:
        got = values(html, row.key)
        assert got == {"self_check": as_value(row.self_check.rate), "audit": as_value(row.audit.rate),
                       "customer": as_value(row.customer.satisfied.rate),
                       "self_vs_audit": as_value(row.self_vs_audit.value),
                       "self_vs_customer": as_value(row.self_vs_customer.value),
                       "audit_vs_customer": as_value(row.audit_vs_customer.value)}, row.key
    ranking = re.search(r'<table class="compact ranking">(.*?)</table>', html, re.S)
    ranked = re.findall(r'data-site="([^"]+)"', ranking.group(1)) if ranking else []
    assert ranked == [s.code for s in gap.optimistic]
    for c in gap.correlations:
        assert c.message in html


def test_self_checks_pass_everything_and_audits_find_less(gap_data):
    """By hand: 84 self-check results (3 sites x 7 days x 4 criteria) all passed; A1's audits passed 2 of 6
    results, its mystery shop 1 of 1, A2's audit 3 of 3: 6 of 10 audited results."""
    html = signed_in(gap_data.head_office).get("/app/perception/", PERIOD).content.decode()
    assert figure(html, "self_check") == "100.0%"
    assert figure(html, "audit") == "60.0%"
    assert re.search(r"of 84 results", html) and re.search(r"of 10 results", html)
    # Customers: A1 5 of 20 satisfied, A2 18 of 20: 23 of 40.
    assert figure(html, "customer") == "57.5%" and "of 40 responses" in html


def test_a_manager_reads_their_site_only(gap_data):
    html = signed_in(gap_data.manager_a).get("/app/perception/", PERIOD).content.decode()
    gap = engine(["A1"])
    assert figure(html, "audit") == pct(gap.overall.audit.rate) == "42.9%"  # 3 of 7
    # Not the header, nor the CSRF tokens (64 random letters and digits, which may spell "B1" by chance).
    assert "B1" not in re.sub(r"[A-Za-z0-9]{64}", "", re.sub(r"<header.*?</header>", "", html, flags=re.S))


def test_a_mystery_shopper_is_refused(gap_data):
    assert signed_in(gap_data.shopper).get("/app/perception/", PERIOD).status_code == 403


def test_the_league_table_has_the_engines_gap(gap_data):
    html = signed_in(gap_data.head_office).get("/app/", PERIOD).content.decode()
    gap = {s.code: s for s in engine().sites}
    cells = dict(re.findall(r'<tr [^>]*data-site="([^"]+)">.*?data-column="gap">(.*?)</td>', html, re.S))
    assert points(gap["A1"].optimism.value) in cells["A1"]
    assert ("clear" in cells["A1"]) == gap["A1"].optimism.supported
    assert "no audit" in cells["B1"]
    # Sorted by the gap, most optimistic first; B1 (no audit) last.
    html = signed_in(gap_data.head_office).get("/app/", {**PERIOD, "sort": "-gap"}).content.decode()
    order = re.findall(r'<tr [^>]*data-site="([^"]+)"', html)
    assert order[0] == "A1" and order[-1] == "B1"


def test_the_site_page_panel_and_audits(gap_data):
    html = signed_in(gap_data.head_office).get("/app/sites/A1/", PERIOD).content.decode()
    mine = next(s for s in engine(["A1"], site="A1").sites if s.code == "A1")
    assert re.search(rf'data-field="audit" data-value="{mine.audit.rate}"', html)
    assert re.search(rf'data-field="self_check" data-value="{mine.self_check.rate}"', html)
    kinds = re.findall(r'<tr data-audit="\d+" data-kind="([a-z_]+)">', html)
    assert kinds == ["mystery_shop", "audit", "audit"]  # latest first
    assert "shopper.a1" in html  # head office may know who visited


def test_a_manager_never_learns_who_made_a_mystery_shop(gap_data):
    gap_data.shopper.first_name, gap_data.shopper.last_name = "Sam", "Shopper"
    gap_data.shopper.save()
    html = signed_in(gap_data.manager_a).get("/app/sites/A1/", PERIOD).content.decode()
    assert re.findall(r'data-kind="([a-z_]+)"', html).count("mystery_shop") == 1
    assert "shopper.a1" not in html and "Sam Shopper" not in html
    assert "Not named to the site" in html


# session, user, profile (3); the region filter's choices (1); the engine, once.
PAGE_QUERIES = 4 + ENGINE_QUERIES


@pytest.mark.parametrize("extra", [0, 20])
def test_the_perception_page_costs_a_constant_number_of_queries(gap_data, django_assert_num_queries, extra):
    for i in range(extra):
        site = SiteFactory(code=f"Q{i:03d}", region=gap_data.region_a)
        check(site, FROM, ALL_PASS_V1, user=gap_data.head_office)
        audit(site, FROM, PASSING, user=gap_data.auditor)
        feedback(site, FROM, responses=3, satisfied=2)
    client = signed_in(gap_data.head_office)
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get("/app/perception/", PERIOD).status_code == 200
    assert DailyCheck.objects.count() == 21 + extra


@pytest.mark.parametrize("extra", [0, 12])
def test_the_site_page_costs_the_same_whatever_its_audits(gap_data, django_assert_num_queries, extra):
    """The site page's pinned count (test_site.QUERIES, no audit) and 1 more for the audits' failures."""
    from tests.pages.test_site import QUERIES

    for i in range(extra):
        audit(gap_data.a1, FROM + dt.timedelta(days=i % 7), FAILING, user=gap_data.auditor)
    client = signed_in(gap_data.head_office)
    client.get("/app/sites/A1/", PERIOD)  # the released version's criteria are cached per process
    with django_assert_num_queries(QUERIES + 1):
        html = client.get("/app/sites/A1/", PERIOD).content.decode()
    assert html.count('<tr data-audit="') == 3 + extra
