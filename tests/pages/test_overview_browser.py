"""/app/ in a real browser (Chromium through Playwright): head office opens a heat map cell and lands on that
site and touch point; the numbers on the page are the API's for the same period; axe-core; the heat map and the
sort links by keyboard; the screenshot docs/screenshots/app-overview.png.

The tests only read (sorting and searching are GETs): the two weeks are built once for the module
(tests/browser.py, ``read_only_server``)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from consistency.demo_history import resolve_demo_actions, seed_history
from consistency.demo_photos import seed_demo_photos
from pages.format import number, pct

from ..browser import browser_available, seed_demo_franchise
from .conftest import PHONE, check_axe, screenshot

pytestmark = [browser_available]


@pytest.fixture(scope="module")
def demo_history(read_only_server):
    """Every demo site, 14 days: the last 7 days and the 7 before them (the trend), with the demo's habits
    (weak restrooms at CHC-01, MEL-02 and SEA-01, slow deliveries at LAX-01, BOS-02 skipping days)."""
    franchise = seed_demo_franchise()
    seed_history(days=14)
    seed_demo_photos()  # photo criteria pass only with their photos; one site reuses its restroom photo
    resolve_demo_actions()
    return franchise


@pytest.fixture
def app_server(demo_history, read_only_server):
    return read_only_server


def api_variance(page, server, href: str) -> dict:
    """GET /api/v1/variance/ for the period of a page's link, through the browser's own session."""
    query = parse_qs(urlsplit(href).query)
    answer = page.request.get(f"{server.url}/api/v1/variance/?from={query['from'][0]}&to={query['to'][0]}")
    assert answer.ok, answer.text()
    return answer.json()


def test_head_office_opens_a_heat_map_cell_and_the_numbers_are_the_apis(demo_history, open_as, app_server):
    page = open_as("head.office", "/app/?period=7")
    assert page.title() == "Network overview · Touchpoint"
    cell = page.locator('td[data-site="CHC-01"][data-tp="restroom"] a')
    href = cell.get_attribute("href")
    api = api_variance(page, app_server, href)
    site = next(s for s in api["sites"] if s["code"] == "CHC-01")
    restroom = next(t for t in site["touch_points"] if t["key"] == "restroom")
    assert cell.inner_text().startswith(number(restroom["pass_rate"]["rate"]))
    assert page.locator('[data-figure="network-score"]').inner_text() == pct(api["network_score"])
    assert page.locator('[data-figure="consistency-index"]').inner_text().startswith(f"{api['consistency_index']:.1f}")
    league_score = page.locator('tr[data-site="CHC-01"] td[data-column="score"]').inner_text()
    assert league_score.startswith(pct(site["score"]))
    # The heat map shows a spread of colours (the demo's weak sites), every cell with its number.
    levels = set(page.eval_on_selector_all("table.heat td[data-tp]", "cells => cells.map(c => c.className)"))
    assert len(levels) >= 4, levels
    assert page.locator("table.heat td[data-tp] a").count() == page.locator("table.heat td[data-tp]").count()
    check_axe(page)
    screenshot(page, "app-overview")

    cell.click()
    page.wait_for_load_state()
    assert re.search(r"/app/sites/CHC-01/\?touch_point=restroom&from=[-0-9]+&to=[-0-9]+#tp-restroom$", page.url)


def test_the_heat_map_and_the_sort_links_work_by_keyboard(demo_history, open_as, app_server):
    page = open_as("head.office", "/app/?period=7")
    # From the search box, Tab walks into the heat map: the first site, then its first cell.
    page.focus("#id_q")
    page.keyboard.press("Tab")  # the Search button
    page.keyboard.press("Tab")
    first_site = page.evaluate("document.activeElement.closest('table.heat th[scope=row]') !== null")
    page.keyboard.press("Tab")
    on_cell = page.evaluate("document.activeElement.closest('td[data-tp]')?.dataset.tp")
    assert first_site and on_cell
    # From the heat map's last cell, Tab reaches the league table's first sort link.
    page.locator("table.heat td[data-tp] a").last.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "sort-site"
    # Sort by score, best first, with the keyboard: htmx swaps the sites' part; the address says so.
    page.focus("#sort-score")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=-score"))
    page.wait_for_selector('th[aria-sort="descending"] #sort-score')
    codes = page.eval_on_selector_all("table.league tbody tr", "rows => rows.map(r => r.dataset.site)")
    api = api_variance(page, app_server, page.locator("table.heat td[data-tp] a").first.get_attribute("href"))
    best = sorted((s for s in api["sites"] if s["score"] is not None), key=lambda s: (-s["score"], s["code"]))
    assert codes[:3] == [s["code"] for s in best[:3]]
    assert page.locator("h1").count() == 1  # the part was swapped, not nested
    # Typing in the search box narrows the table and the heat map as one types (htmx), keeping the sort.
    page.fill("#id_q", "lax-01")
    page.wait_for_url(re.compile(r"q=lax-01"))
    page.wait_for_function("document.querySelectorAll('table.league tbody tr').length === 1")
    assert page.eval_on_selector_all("table.heat td[data-tp]", "cells => [...new Set(cells.map(c => c.dataset.site))]") == ["LAX-01"]
    assert "sort=-score" in page.url and page.evaluate("document.activeElement.id") == "id_q"
    # A cell opens its site with Enter.
    page.locator('td[data-site="LAX-01"][data-tp="delivery"] a').focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/app/sites/LAX-01/\?touch_point=delivery"))


def test_an_auditor_sees_their_region_and_a_manager_their_site(demo_history, open_as, app_server):
    page = open_as("auditor", "/app/?period=7")
    codes = page.eval_on_selector_all("table.league tbody tr", "rows => rows.map(r => r.dataset.site)")
    assert codes and all(c.split("-")[0] in ("AKL", "WLG", "CHC") for c in codes)  # New Zealand only
    check_axe(page)
    # On a phone the page does not scroll sideways: the heat map and the table scroll inside their cards.
    phone = open_as("auditor", "/app/?period=7", viewport=PHONE)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_axe(phone)
    page = open_as("manager.akl-01", "/app/")
    assert page.url == f"{app_server.url}/app/sites/AKL-01/"
