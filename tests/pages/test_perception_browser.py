"""/app/perception/ and the site page's perception panel in a real browser, on the demo network with a month
of checks, audits and feedback: the pages render, pass axe-core, and the screenshots
docs/screenshots/app-perception.png and app-site-perception.png are made here.

The tests only read: the month is built once for the module (tests/browser.py, ``read_only_server``)."""

import datetime as dt

import pytest
from django.utils import timezone

from consistency.demo_history import seed_history
from consistency.demo_photos import seed_demo_photos
from sites.models import Role, Site
from tests.factories import person

from ..browser import DEMO_PASSWORD, browser_available, seed_demo_franchise
from .conftest import PHONE, check_axe, screenshot
from .perception_data import seed_outside_view

pytestmark = [browser_available]

SITES = ["SYD-01", "SYD-03", "MEL-01", "MEL-02", "BNE-01", "CHC-01"]
# MEL-02 and CHC-01 are weak on restrooms in their own checks; SYD-03 and BNE-01 report well but audits and
# customers find less: the optimism the page is for.
AUDIT_PASS = {"SYD-01": 0.9, "SYD-03": 0.55, "MEL-01": 0.88, "MEL-02": 0.6, "BNE-01": 0.5, "CHC-01": 0.7}
SATISFIED = {"SYD-01": 0.85, "SYD-03": 0.55, "MEL-01": 0.8, "MEL-02": 0.6, "BNE-01": 0.5, "CHC-01": 0.7}


@pytest.fixture(scope="module")
def outside_view(read_only_server):
    seed_demo_franchise()
    seed_history(days=31, site_codes=SITES)
    seed_demo_photos()  # a criterion that requires a photo is not passed without it
    Site.objects.exclude(code__in=SITES).update(active=False)
    auditor = person("auditor.two", Role.AUDITOR, regions=[Site.objects.get(code="SYD-01").region])
    auditor.set_password(DEMO_PASSWORD)
    auditor.save()
    shopper = person("shopper", Role.MYSTERY_SHOPPER, sites=Site.objects.filter(code__in=SITES))
    seed_outside_view(SITES, days=30, today=timezone.localdate() - dt.timedelta(days=1), audit_pass=AUDIT_PASS,
                      satisfied=SATISFIED, auditor=auditor, shopper=shopper)


@pytest.fixture
def app_server(outside_view, read_only_server):
    return read_only_server


def test_head_office_reads_the_perception_gap(outside_view, open_as):
    page = open_as("head.office", "/app/perception/?period=30")
    assert page.title().startswith("Perception gap")
    assert page.locator("table.perception tr.touch-point").count() >= 6
    assert page.locator("details.criteria-gap tr.criterion").count() >= 20
    assert page.locator('[data-figure="unranked"]').inner_text()
    assert page.locator("ul.correlations li").count() >= 1
    screenshot(page, "app-perception")
    check_axe(page)


def test_the_site_page_shows_its_perception_and_audits(outside_view, open_as):
    page = open_as("head.office", "/app/sites/SYD-03/?period=30")
    panel = page.locator("#perception")
    panel.wait_for()
    assert page.locator("table.audits tbody tr").count() >= 3
    panel.scroll_into_view_if_needed()
    page.evaluate("document.getElementById('perception').scrollIntoView()")
    screenshot(page, "app-site-perception", full_page=False)
    check_axe(page)


def test_a_manager_reads_their_sites_perception_without_the_shoppers_name(outside_view, open_as):
    page = open_as("manager.syd-03", "/app/sites/SYD-03/?period=30")
    audits = page.locator("table.audits")
    audits.wait_for()
    text = audits.inner_text()
    assert "shopper" not in text.lower().replace("mystery shop", "")
    assert "Not named to the site" in text
    check_axe(page)
    page.goto(page.url.split("/app/")[0] + "/app/perception/?period=30")
    assert page.title().startswith("Perception gap")
    check_axe(page)


def test_on_a_phone_the_tables_scroll_inside_their_cards(outside_view, open_as):
    for path in ("/app/perception/?period=30", "/app/sites/SYD-03/?period=30"):
        page = open_as("manager.syd-03", path, viewport=PHONE)
        page.locator("table.perception").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        check_axe(page)
