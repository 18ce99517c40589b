"""/app/perception/ as a template over an answer built by hand (tests/pages/perception_values.py): every
number the page writes is the answer's, written by pages/format.py. The engine's own numbers on real rows:
test_perception.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from pages import perception as shown
from pages.format import coefficient, points_interval
from tests.pages import perception_values as values

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def by_hand(monkeypatch):
    """The page's engine call answers ``values.answer()``; the call's arguments are kept."""
    calls = []

    def fake(**kwargs):
        calls.append(kwargs)
        return values.answer(date_from=kwargs["date_from"], date_to=kwargs["date_to"], region=kwargs["region"])

    monkeypatch.setattr("pages.views.perception.perception_gap", fake)
    return calls


def cell(html: str, row: str, col: str) -> str:
    """The text of one cell of the perception table, tags removed."""
    tr = re.search(rf'<tr class="[^"]*" data-row="{row}">(.*?)</tr>', html, re.S).group(1)
    td = re.search(rf'<td [^>]*data-col="{col}"[^>]*>(.*?)</td>', tr, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", td).split())


def test_the_page_writes_the_answer(network, by_hand):
    answer = signed_in(network.head_office).get("/app/perception/", {"period": "custom", "from": "2026-03-01",
                                                                      "to": "2026-03-30"})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert by_hand[0]["date_from"].isoformat() == "2026-03-01" and by_hand[0]["region"] is None
    assert set(by_hand[0]["sites"].values_list("code", flat=True)) == {"A1", "A2", "B1"}
    # The scope's figures.
    assert re.search(r'data-figure="self_check">90.0%<', html)
    assert re.search(r'data-figure="audit">60.0%<', html)
    assert re.search(r'data-figure="customer">60.0%<', html)
    assert re.search(r'data-figure="self_vs_audit">\+30.0 pts<', html)
    # The table: rates with interval and count, gaps with interval and the "clear" marker when supported.
    assert cell(html, "phone", "self_check") == "90.0% 87.1–92.3% of 500 results"
    assert cell(html, "phone", "self_vs_audit") == f"+40.0 pts clear {points_interval(0.262, 0.526)}"
    assert cell(html, "", "audit_vs_customer") == f"0.0 pts {points_interval(-0.103, 0.098)}"  # not clear
    assert cell(html, "restroom", "audit") == "no data"
    assert cell(html, "restroom", "customer") == "60.0% 55.7–64.1% of 500 responses"
    assert cell(html, "phone_rings", "self_vs_audit").startswith("+50.0 pts clear")
    # The ranking: only the ranked site, and why the others are not.
    ranking = re.search(r'<table class="compact ranking">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'data-site="([^"]+)"', ranking) == ["A1"]
    assert "2 of 3 sites are not ranked: 1 had no audit in the period; the others have too few observations" in html
    # The correlations, said plainly; r only where there is one.
    assert "Too thin: 3 sites have enough self-checks and feedback; 10 are needed." in html
    assert f"Pearson's r = {coefficient(-0.4213)} (95% interval −0.79 to 0.21), over 12 sites." in html
    assert html.count("Pearson") == 1


def test_region_narrows_the_scope_and_a_foreign_region_is_refused(network, by_hand):
    client = signed_in(network.auditor)  # region A only
    answer = client.get("/app/perception/", {"region": "region-a"})
    assert answer.status_code == 200 and by_hand[-1]["region"] == "region-a"
    assert set(by_hand[-1]["sites"].values_list("code", flat=True)) == {"A1", "A2"}
    refused = client.get("/app/perception/", {"region": "region-b"})
    assert refused.status_code == 400 and "region" in refused.content.decode()


def test_a_refused_period_names_its_field(network, by_hand):
    answer = signed_in(network.head_office).get("/app/perception/", {"period": "custom", "from": "2026-03-10",
                                                                      "to": "2026-03-01"})
    assert answer.status_code == 400 and not by_hand
    assert "Error: Perception gap" in answer.content.decode()


@pytest.mark.parametrize("who, sites", [("head_office", {"A1", "A2", "B1"}), ("auditor", {"A1", "A2"}),
                                        ("auditor_b1", {"B1"}), ("manager_a", {"A1"}), ("manager_b", {"B1"}),
                                        ("accountant", {"A1", "A2"})])
def test_each_role_reads_its_scope(network, by_hand, who, sites):
    answer = signed_in(getattr(network, who)).get("/app/perception/")
    assert answer.status_code == 200
    assert set(by_hand[-1]["sites"].values_list("code", flat=True)) == sites


def test_a_mystery_shopper_and_a_stranger_are_refused(network, by_hand):
    assert signed_in(network.shopper).get("/app/perception/").status_code == 403
    stranger = Client().get("/app/perception/")
    assert stranger.status_code == 302 and stranger.url.startswith("/accounts/login/")
    assert not by_hand


def test_the_nav_offers_perception_and_calibration_by_role(network, by_hand):
    def links(user):
        html = signed_in(user).get("/app/standard/").content.decode()
        nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
        return re.findall(r'href="([^"]+)"', nav)

    assert {"/app/perception/", "/app/calibration/"} <= set(links(network.head_office))
    for who in ("auditor", "manager_a", "accountant"):
        got = links(getattr(network, who))
        assert "/app/perception/" in got and "/app/calibration/" not in got


def test_unranked_sentence():
    answer = values.answer()
    assert shown.unranked_text(answer) == ("2 of 3 sites are not ranked: 1 had no audit in the period; the others "
                                           "have too few observations, or no clear optimism.")
    answer.optimistic = list(answer.sites)
    assert shown.unranked_text(answer) == "Every site (3) is ranked."


def test_formatting_of_gaps_and_coefficients():
    assert points_interval(-0.031, 0.12) == "\u22123.1 to +12.0 pts"
    assert points_interval(None, 0.1) == ""
    assert coefficient(-0.4213) == "\u22120.42" and coefficient(None) == "\u2013" and coefficient(0.5) == "0.50"
