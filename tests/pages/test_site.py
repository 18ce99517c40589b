"""/app/sites/{code}/ without a browser: who may open it, what it shows, and that its numbers are the API's.

Personas (tests/conftest.py ``network``): head office; an auditor of region A (A1, A2); an auditor of B1 only;
the manager of A1; the manager of B1."""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from consistency.models import CorrectiveAction, Criterion
from tests.conftest import client_for
from tests.consistency.variance_data import ALL_PASS_V1, check, photo
from tests.pages.perception_data import ENGINE_QUERIES

D = dt.date
PERIOD = "period=custom&from=2026-03-02&to=2026-03-29"  # four Monday..Sunday weeks
FROM, TO = D(2026, 3, 2), D(2026, 3, 29)
# The whole page, whatever the site's history (test_queries_do_not_grow_with_the_history): 22 for the checks'
# side, the perception panel's one engine call, 1 for the period's audits (none here: no prefetch), 1 for the
# period's photo reviews; 4 for the criteria not applicable at sites (issue 18): the variance's and the weekly
# series' marks, the site's marks listed, and for head office's form the version in force.
QUERIES = 28 + ENGINE_QUERIES


def page_of(user, code: str, query: str = PERIOD) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(f"/app/sites/{code}/?{query}")
    return response.status_code, response.content.decode()


def history(network, *, days: int = 28, sites=None, seed: int = 1) -> None:
    rng = random.Random(seed)
    for site in sites or (network.a1, network.a2, network.b1):
        for i in range(days):
            day = FROM + dt.timedelta(days=i)
            if rng.random() < 0.2:
                continue
            values = {k: (v if rng.random() < 0.75 else {"phone_rings": 6, "restroom_clean": 2}.get(k, 0))
                      for k, v in ALL_PASS_V1.items()}
            check(site, day, values, user=network.manager_a, late=rng.random() < 0.1)


def attrs(html: str, name: str) -> dict[str, str]:
    """{data-<name> value: the tag's text} of every tag carrying data-<name>."""
    return dict(re.findall(rf'data-{name}="([^"]*)"([^>]*)>', html))


def data_values(html: str, name: str, value: str) -> dict[str, float]:
    """{data-<name>: float(data-<value>)} of every tag carrying both."""
    out = {}
    for tag in re.findall(r"<[a-z]+ [^>]*>", html):
        key = re.search(rf'data-{name}="([^"]*)"', tag)
        val = re.search(rf'data-{value}="([^"]*)"', tag)
        if key and val:
            out[key.group(1)] = float(val.group(1))
    return out


# --- who may open it ---------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("who, code, status", [
    ("head_office", "A1", 200), ("head_office", "B1", 200),
    ("auditor", "A1", 200), ("auditor", "A2", 200), ("auditor", "B1", 404),
    ("auditor_b1", "B1", 200), ("auditor_b1", "A1", 404),
    ("manager_a", "A1", 200), ("manager_a", "A2", 404), ("manager_a", "B1", 404),
    ("manager_b", "B1", 200), ("manager_b", "A1", 404),
    ("head_office", "NOPE", 404),
])
def test_each_role_inside_and_outside_its_scope(network, standard, who, code, status):
    status_got, html = page_of(getattr(network, who), code)
    assert status_got == status
    if status == 404:
        assert "<title>Not found" in html and "A1 ·" not in html and "B1 ·" not in html
    else:
        assert f"<h1>{code} · " in html


@pytest.mark.django_db
def test_a_stranger_is_sent_to_sign_in(network, standard):
    response = Client().get("/app/sites/A1/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_period_form_shows_the_period_shown(network, standard):
    _, html = page_of(network.head_office, "A1", "")
    # A preset: selected, and the dates it stands for shown in From and To (pages/period.py, as on every page).
    today = timezone.localdate()
    assert '<option value="30" selected>' in html
    assert f'type="date" name="from" value="{today - dt.timedelta(days=29)}"' in html
    _, html = page_of(network.head_office, "A1")
    assert '<option value="custom" selected>' in html and 'type="date" name="from" value="2026-03-02"' in html


@pytest.mark.django_db
def test_a_bad_period_is_a_400_naming_the_field(network, standard):
    status, html = page_of(network.head_office, "A1", "period=custom&from=2026-03-10&to=2026-03-01")
    assert status == 400
    assert "the period starts (2026-03-10) after it ends (2026-03-01)" in html
    assert 'id="score-chart"' not in html


# --- numbers -----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_numbers_equal_the_apis(network, standard):
    history(network)
    status, html = page_of(network.head_office, "A1")
    assert status == 200
    site = client_for(network.head_office).get(f"/api/v1/variance/?site=A1&from={FROM}&to={TO}").json()["sites"][0]
    whole = client_for(network.head_office).get(f"/api/v1/variance/?from={FROM}&to={TO}").json()
    # The site's own numbers: the API's answer for the site.
    assert float(re.search(r'data-field="score" data-value="([^"]+)"', html).group(1)) == site["score"]
    assert data_values(html, "touch-point", "rate") == {t["key"]: t["pass_rate"]["rate"] for t in site["touch_points"]}
    assert data_values(html, "criterion", "rate") == {c["key"]: c["pass_rate"]["rate"] for c in site["criteria"]}
    # The network beside it: the API's answer for every site head office reads.
    assert float(re.search(r'data-field="network_score" data-value="([^"]+)"', html).group(1)) == whole["network_score"]
    assert data_values(html, "touch-point", "network") == {
        s["key"]: s["network_rate"] for s in whole["touch_point_spread"]}
    assert data_values(html, "criterion", "network") == {s["key"]: s["network_rate"] for s in whole["criterion_spread"]}
    # The interval as printed.
    low, high = site["score_interval"]
    assert f"95% interval {low * 100:.1f}% to {high * 100:.1f}%" in html
    # Each week of the chart: the API's score for that week alone.
    weeks = data_values(html, "week", "score")
    assert len(weeks) == 4
    for start, score in weeks.items():
        start = D.fromisoformat(start)
        api = client_for(network.head_office).get(
            f"/api/v1/sites/A1/variance/?from={start}&to={start + dt.timedelta(days=6)}").json()
        assert score == api["sites"][0]["score"]


@pytest.mark.django_db
def test_the_chart_has_one_point_per_week_with_a_score_and_a_median(network, standard):
    history(network, days=14)  # checks in the first two weeks only: weeks 3 and 4 are all missed (0%)
    _, html = page_of(network.auditor, "A1")
    assert html.count('<g class="point"') == 4
    assert html.count('class="median-point"') == 4
    assert '<title id="score-chart-title">A1 ' in html and '<desc id="score-chart-desc">' in html
    assert "Median of the sites you can see" in html  # an auditor's network is their sites
    assert 'role="img"' in html and "The numbers behind the chart" in html


@pytest.mark.django_db
def test_a_site_that_opened_mid_period_has_no_point_before(network, standard):
    network.a1.opened_on = D(2026, 3, 16)
    network.a1.save()
    history(network, sites=[network.a1])
    _, html = page_of(network.head_office, "A1")
    assert html.count('<g class="point"') == 2
    assert html.count("nothing expected") >= 2


@pytest.mark.django_db
def test_a_manager_of_one_site_sees_no_network_beside_it(network, standard):
    history(network)
    _, html = page_of(network.manager_a, "A1")
    assert 'data-field="network_score"' not in html and 'class="median-point"' not in html
    assert 'data-network="' not in html
    assert "Median of the sites you can see" not in html and "Network median" not in html  # nor in the legend


@pytest.mark.django_db
def test_the_heat_maps_touch_point_is_opened_and_the_others_closed(network, standard):
    history(network)
    _, html = page_of(network.head_office, "A1", PERIOD + "&touch_point=restroom")
    sections = dict(re.findall(r'<details class="tp( selected)?" id="tp-([a-z_]+)"', html)[i][::-1]
                    for i in range(3))
    assert sections == {"phone": "", "restroom": " selected", "delivery": ""}
    assert re.search(r'id="tp-restroom" open', html) and not re.search(r'id="tp-phone" open', html)
    for query in (PERIOD, PERIOD + "&touch_point=no_such_thing"):
        _, html = page_of(network.head_office, "A1", query)
        assert len(re.findall(r'id="tp-[a-z_]+" open', html)) == 3 and 'class="tp selected"' not in html


@pytest.mark.django_db
def test_the_standard_in_force_beside_each_criterion(network, standard):
    history(network, days=3)
    _, html = page_of(network.head_office, "A1")
    assert "At most 3 rings" in html and "At least 4 of 5 · critical · 1 photo" in html
    assert "At least 95% (tolerance 2%)" in html and "Yes · critical" in html


# --- checks, photos, missed days, actions, the pack -----------------------------------------------------------

@pytest.mark.django_db
def test_recent_checks_show_failures_photos_and_their_flags(network, standard):
    good = check(network.a1, D(2026, 3, 20), ALL_PASS_V1, user=network.manager_a)
    bad = check(network.a1, D(2026, 3, 21), {**ALL_PASS_V1, "phone_rings": 7, "delivery_on_time_pct": 80},
                user=network.manager_a)
    first = photo(good, thumbnail_key=f"evidence/thumbs/{uuid.uuid4().hex}.jpg")
    photo(bad, reused_from=first, stale=True, thumbnail_key=f"evidence/thumbs/{uuid.uuid4().hex}.jpg")
    _, html = page_of(network.head_office, "A1")
    assert "2 failed" in html and "Rings to answer" in html and "recorded 7 rings" in html
    assert "recorded 80%" in html  # the pack's and the checklist's words for a reading (reports.packs.value_text)
    links = re.findall(r'<a href="(/api/v1/evidence/files/[^"]+/)" class="photo-link">\s*<img src="'
                       r'(/api/v1/evidence/files/[^"]+/)"', html)
    assert len(links) == 2 and all(a != b for a, b in links)
    assert html.count('<span class="badge reused" title=') == 1 and html.count('<span class="badge stale" title=') == 1
    assert '<span class="badge reused">1 reused</span>' in html  # the period's counts, the engine's


@pytest.mark.django_db
def test_missed_days_and_overdue_actions(network, standard):
    dc = check(network.a1, D(2026, 3, 3), {**ALL_PASS_V1, "phone_greeting": 0}, user=network.manager_a)
    criterion = Criterion.objects.get(version=dc.version, key="phone_greeting")
    late = CorrectiveAction.objects.create(site=network.a1, daily_check=dc, criterion=criterion,
                                           opened_at=dc.received_at, due_on=D(2026, 3, 5))
    _, html = page_of(network.head_office, "A1")
    assert 'id="missed-h">Missed days <span class="muted">(27)</span>' in html  # 28 days, one checked
    assert f'data-action="{late.pk}" class="overdue"' in html and "1 overdue" in html


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["head_office", "auditor", "manager_a"])
def test_every_reader_may_order_the_sites_pack(network, standard, who):
    _, html = page_of(getattr(network, who), "A1")
    form = re.search(r'<form class="order-pack" method="post" action="/app/reports/">(.*?)</form>', html, re.S)
    assert form, "no order form"
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form.group(1)))
    assert fields["kind"] == "compliance_pack" and fields["sites"] == "A1"
    assert (fields["from"], fields["to"]) == ("2026-03-02", "2026-03-29")
    assert uuid.UUID(fields["idempotency_key"]).version == 4 and "csrfmiddlewaretoken" in fields


# --- queries ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("days", [3, 28])
def test_queries_do_not_grow_with_the_history(network, standard, django_assert_num_queries, days):
    history(network, days=days, sites=[network.a1, network.a2, network.b1])
    for i, dc in enumerate(network.a1.checks.all()[:days]):
        photo(dc)
        if i % 2:
            CorrectiveAction.objects.create(site=network.a1, daily_check=dc, criterion=dc.results.first().criterion,
                                            opened_at=dc.received_at, due_on=dc.date + dt.timedelta(days=2))
    client = Client()
    client.force_login(network.head_office)
    client.get(f"/app/sites/A1/?{PERIOD}")  # the released version's criteria are cached per process
    with django_assert_num_queries(QUERIES):
        assert client.get(f"/app/sites/A1/?{PERIOD}").status_code == 200



@pytest.mark.django_db
def test_the_open_actions_are_counted_whole_though_the_first_are_listed(network, standard, monkeypatch):
    from pages.views import site as site_view

    monkeypatch.setattr(site_view, "ACTIONS_SHOWN", 2)
    for i in range(3):  # one action per check and criterion: three days
        dc = check(network.a1, FROM + dt.timedelta(days=i), ALL_PASS_V1, user=network.manager_a)
        CorrectiveAction.objects.create(site=network.a1, daily_check=dc, due_on=TO, opened_at=timezone.now(),
                                        criterion=Criterion.objects.get(version=dc.version, key="phone_rings"))
    _, html = page_of(network.head_office, "A1")
    assert "(3; the first 2 shown, overdue first)" in html
