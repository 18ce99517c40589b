"""/app/ the network overview through Django's test client: each role's scope, the region filter, search,
sort, paging, refused periods and regions, htmx's partial answer, and a pinned number of queries. In a real
browser: test_overview_browser.py; the heat map's colours and links: test_overview_heatmap.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from consistency.models import CorrectiveAction, Criterion, DailyCheck
from pages.format import number, pct
from sites.models import Role
from tests.conftest import client_for
from tests.consistency.variance_data import ALL_PASS_V1, check, photo
from tests.factories import SiteFactory, person
from tests.pages.perception_data import ENGINE_QUERIES


def untokened(html: str) -> str:
    """The page without its CSRF tokens (64 random letters and digits, which may spell "B1" by chance)."""
    return re.sub(r"[A-Za-z0-9]{64}", "", html)

pytestmark = pytest.mark.django_db

API_PERIOD = {"from": "2026-03-01", "to": "2026-03-04"}
PERIOD = {"period": "custom", **API_PERIOD}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def history(network, standard):
    """March 1-3 2026 of the 4-day period (one missed day each) and, for A2, Feb 25-27 of the previous period.
    A1 fails phone_rings every day; B1 fails the restroom on the 3rd and has an overdue action for it; A2's
    photos of the 2nd and 3rd reuse the 1st's and were taken long before."""
    checks = {}
    for site, user in ((network.a1, network.manager_a), (network.a2, network.manager_a),
                       (network.b1, network.manager_b)):
        for day in (1, 2, 3):
            values = dict(ALL_PASS_V1)
            if site.code == "A1":
                values["phone_rings"] = 6
            if site.code == "B1" and day == 3:
                values["restroom_clean"] = 1
            checks[site.code, day] = check(site, dt.date(2026, 3, day), values, user=user)
    for day in (25, 26, 27):
        check(network.a2, dt.date(2026, 2, day), {**ALL_PASS_V1, "phone_greeting": 0}, user=network.manager_a)
    first = photo(checks["A2", 1])
    for day in (2, 3):
        photo(checks["A2", day], reused_from=first, stale=True)
    b1 = checks["B1", 3]
    CorrectiveAction.objects.create(site=network.b1, daily_check=b1, due_on=dt.date(2026, 3, 5),
                                    criterion=Criterion.objects.get(version=b1.version, key="restroom_clean"),
                                    opened_at=timezone.now())
    return network


def page_of(client, **query):
    answer = client.get("/app/", {**PERIOD, **query})
    return answer, answer.content.decode()


def api_of(user, **query) -> dict:
    answer = client_for(user).get("/api/v1/variance/", {**API_PERIOD, **query})
    assert answer.status_code == 200, answer.content
    return answer.json()


def table_codes(html: str) -> list[str]:
    return re.findall(r'<tr [^>]*data-site="([^"]+)"', html)


def heat_codes(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'<td class="h[0-9n]" data-site="([^"]+)"', html)))


def figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1).strip()


def table_cell(html: str, code: str, column: str) -> str:
    row = re.search(rf'<tr [^>]*data-site="{code}">(.*?)</tr>', html, re.S).group(1)
    return re.search(rf'data-column="{column}">(.*?)</td>', row, re.S).group(1)


def heat_cell(html: str, code: str, touch_point: str) -> str:
    return re.search(rf'data-site="{code}" data-tp="{touch_point}"><a href="([^"]+)">([^<]+)<', html).groups()


def test_head_office_sees_every_site_with_the_apis_numbers(history):
    answer, html = page_of(signed_in(history.head_office))
    assert answer.status_code == 200
    assert "<title>Network overview · Touchpoint</title>" in html and html.count("<h1>") == 1
    assert table_codes(html) == ["A1", "B1", "A2"]  # the weakest first
    assert heat_codes(html) == ["A1", "A2", "B1"]   # the same sites, grouped by region
    api = api_of(history.head_office)
    assert figure(html, "network-score") == pct(api["network_score"])
    assert figure(html, "consistency-index") == f"{api['consistency_index']:.1f}"
    lo, hi = api["network_score_interval"]
    assert f"95% interval {lo * 100:.1f}\u2013{hi * 100:.1f}%" in html
    for site in api["sites"]:
        assert table_cell(html, site["code"], "score").startswith(pct(site["score"]))
        for tp in site["touch_points"]:
            href, text = heat_cell(html, site["code"], tp["key"])
            assert text == number(tp["pass_rate"]["rate"])
            assert href == (f"/app/sites/{site['code']}/?touch_point={tp['key']}&amp;from=2026-03-01&amp;to=2026-03-04"
                            f"#tp-{tp['key']}")
    # The trend: the API's network score for the previous 4 days, and the change to this period's.
    previous = client_for(history.head_office).get("/api/v1/variance/", {"from": "2026-02-25", "to": "2026-02-28"})
    before = previous.json()["network_score"]
    change = round((api["network_score"] - before) * 100, 1)
    assert f"+{change:.1f} pts <span class=\"muted\">vs previous 4 days ({pct(before)})" in html
    # The lists beside: criteria that differ most and their drivers, missed days, overdue actions, photo flags.
    overdue = client_for(history.head_office).get("/api/v1/actions/", {"status": "overdue"}).json()
    assert "Rings to answer" in html and f'data-figure="overdue">{overdue["count"]}<' in html
    assert re.search(r'<a href="/app/sites/B1/[^"]*">B1</a>: Cleanliness, due 5 Mar', html)
    assert "<strong>1</strong> of 4 days without a check" in html
    assert re.search(r'A2</a>: <span class="badge reused">2 reused</span> <span class="badge stale">2 stale', html)


def test_an_auditor_sees_only_their_sites_and_their_numbers(history):
    answer, html = page_of(signed_in(history.auditor))  # region A
    assert answer.status_code == 200
    assert sorted(table_codes(html)) == ["A1", "A2"] and "B1" not in untokened(html)
    api = api_of(history.auditor)
    assert figure(html, "network-score") == pct(api["network_score"])
    assert 'data-figure="overdue">0<' in html  # B1's action is not theirs
    answer, html = page_of(signed_in(history.auditor_b1))
    assert table_codes(html) == ["B1"] and figure(html, "network-score") == pct(api_of(history.auditor_b1)["network_score"])


def test_an_auditor_asking_for_a_region_outside_their_scope_is_refused_naming_region(history):
    answer, html = page_of(signed_in(history.auditor), region="region-b")
    assert answer.status_code == 400
    assert "region: Select a valid choice" in html and "B1" not in untokened(html) and "data-figure" not in html
    assert '<option value="region-b"' not in html  # the filter offers only their regions


def test_an_auditor_with_no_site_yet_sees_an_empty_network(history):
    nobody = person("auditor.new", Role.AUDITOR)
    answer, html = page_of(signed_in(nobody))
    assert answer.status_code == 200
    assert figure(html, "network-score") == "\u2013" and table_codes(html) == [] and "No site to show." in html


def test_a_manager_is_taken_to_their_site(history):
    assert signed_in(history.manager_a).get("/app/", PERIOD)["Location"] == "/app/sites/A1/"
    assert signed_in(history.manager_b).get("/app/")["Location"] == "/app/sites/B1/"


def test_the_region_filter_narrows_the_scope_and_the_numbers_follow(history):
    answer, html = page_of(signed_in(history.head_office), region="region-a")
    assert answer.status_code == 200 and sorted(table_codes(html)) == ["A1", "A2"]
    api = api_of(history.head_office, region="region-a")
    assert figure(html, "network-score") == pct(api["network_score"])
    assert "2 sites in Region A;" in html
    assert '<option value="region-a" selected>' in html
    answer, html = page_of(signed_in(history.head_office), region="nowhere")
    assert answer.status_code == 400 and "region: Select a valid choice" in html


def test_search_narrows_the_table_and_heat_map_not_the_network(history):
    client = signed_in(history.head_office)
    _, everything = page_of(client)
    answer, html = page_of(client, q="b1")
    assert answer.status_code == 200
    assert table_codes(html) == ["B1"] and heat_codes(html) == ["B1"]
    assert "1 of 3 sites match" in html
    assert figure(html, "network-score") == figure(everything, "network-score")
    _, html = page_of(client, q="Site A")  # by name, any case
    assert sorted(table_codes(html)) == ["A1", "A2"]
    _, html = page_of(client, q="zz")
    assert table_codes(html) == [] and "No site matches." in html


def test_sorting_each_column_and_a_site_without_a_score_last_both_ways(history):
    SiteFactory(code="A3", region=history.region_a, opened_on=dt.date(2026, 4, 1))  # nothing expected yet
    check(history.a2, dt.date(2026, 3, 4), ALL_PASS_V1, user=history.manager_a, late=True)
    client = signed_in(history.head_office)
    orders = {
        "score": ["A1", "B1", "A2", "A3"], "-score": ["A2", "B1", "A1", "A3"],
        "site": ["A1", "A2", "A3", "B1"], "-site": ["B1", "A3", "A2", "A1"],
        "-missed": ["A1", "B1", "A2", "A3"], "checked": ["A3", "A1", "B1", "A2"],
        "-late": ["A2", "A1", "A3", "B1"], "-photos": ["A2", "A1", "A3", "B1"],
        "trend": ["A2", "A1", "B1", "A3"], "-trend": ["B1", "A1", "A2", "A3"],
    }
    for sort, expected in orders.items():
        answer, html = page_of(client, sort=sort)
        assert table_codes(html) == expected, sort
        name = sort.lstrip("-")
        state = "descending" if sort.startswith("-") else "ascending"
        assert re.search(rf'aria-sort="{state}">\s*<a id="sort-{name}"', html), sort
    _, html = page_of(client, sort="nonsense")
    assert table_codes(html) == ["A1", "A2", "A3", "B1"]  # an unknown column: the code order, no error


def test_the_table_and_the_heat_map_page_through_the_same_sites(history):
    for n in range(40):
        SiteFactory(code=f"Z{n:02d}", region=history.region_b)
    client = signed_in(history.head_office)
    _, first = page_of(client, sort="site")
    assert len(table_codes(first)) == 30 and table_codes(first)[:3] == ["A1", "A2", "B1"]
    assert set(heat_codes(first)) == set(table_codes(first))
    assert "Page 1 of 2" in first and 'aria-current="page">1<' in first
    _, second = page_of(client, sort="site", page=2)
    assert table_codes(second) == [f"Z{n:02d}" for n in range(27, 40)]
    assert set(heat_codes(second)) == set(table_codes(second))
    assert table_codes(page_of(client, sort="site", page=99)[1]) == table_codes(second)  # past the end: the last
    assert table_codes(page_of(client, sort="site", page="x")[1]) == table_codes(first)


@pytest.mark.parametrize(("query", "field", "words"), [
    ({"from": "2026-03-10", "to": "2026-03-01"}, "from", "after it ends"),
    ({"from": "2026-13-01"}, "from", "Enter a valid date"),
    ({"to": "2099-01-01"}, "to", "is in the future"),
    ({"from": "2024-01-01", "to": "2026-03-01"}, "to", "at most 366 days"),
    ({"period": "45"}, "period", "Select a valid choice"),
])
def test_a_refused_period_is_a_400_naming_the_field(history, query, field, words):
    answer = signed_in(history.head_office).get("/app/", {"period": "custom", **query})
    html = answer.content.decode()
    assert answer.status_code == 400
    errors = re.search(rf'<ul class="errorlist" id="{field}-errors"><li>([^<]+)</li>', html).group(1)
    assert errors.startswith(f"{field}: ") and words in errors
    assert "<title>Error: Network overview" in html and "data-figure" not in html


def test_htmx_gets_only_the_sites_part(history):
    client = signed_in(history.head_office)
    answer = client.get("/app/", {**PERIOD, "sort": "-score"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="network-sites")
    html = answer.content.decode()
    assert answer.status_code == 200 and html.lstrip().startswith("<div id=\"network-sites\"")
    assert "<h1>" not in html and table_codes(html) == ["A2", "B1", "A1"]
    assert "HX-Request" in answer["Vary"]
    history_restore = client.get("/app/", PERIOD, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="network-sites",
                                 HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<h1>" in history_restore.content.decode()  # htmx restoring history needs the whole page


def _sites_with_checks(n: int, network, standard) -> None:
    for i in range(n):
        site = SiteFactory(code=f"Q{i:03d}", region=network.region_a if i % 2 else network.region_b)
        dc = check(site, dt.date(2026, 3, 1), ALL_PASS_V1, user=network.head_office)
        photo(dc)
        CorrectiveAction.objects.create(site=site, daily_check=dc, due_on=dt.date(2026, 3, 2),
                                        criterion=Criterion.objects.get(version=dc.version, key="phone_rings"),
                                        opened_at=timezone.now())


# session, user, profile (3); the region filter's choices (1); the engine (5: versions, sites, the running totals
# at the boundaries of the period and of the previous one, the not-applicable marks, photo counts); overdue actions
# (time zones, count, list); the league table's gap column: the perception engine, once for the page.
QUERIES = 12 + ENGINE_QUERIES


@pytest.mark.parametrize("sites", [3, 30])
def test_the_number_of_queries_does_not_grow_with_the_sites(network, standard, sites,
                                                             django_assert_num_queries):
    _sites_with_checks(sites, network, standard)
    client = signed_in(network.head_office)
    with django_assert_num_queries(QUERIES):
        answer = client.get("/app/", PERIOD)
    assert answer.status_code == 200 and len(table_codes(answer.content.decode())) == min(sites + 3, 30)
    assert DailyCheck.objects.count() == sites
