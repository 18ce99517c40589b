"""/app/sites/{code}/ in a real browser: head office opens a site of the demo network with its history and
photos, the chart renders, a thumbnail opens the photo full size, the page passes axe-core, and a manager
typing another site's address gets the 404 page. The screenshot docs/screenshots/app-site.png is made here."""

import pytest

from consistency.demo_history import seed_history
from consistency.demo_photos import REUSING_SITE, seed_demo_photos
from sites.models import Site

from ..browser import browser_available
from .conftest import check_axe, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]

SITES = [REUSING_SITE, "SYD-01", "SYD-03", "MEL-01", "MEL-02", "BNE-01"]


@pytest.fixture
def history(demo_franchise):
    seed_history(days=31, site_codes=SITES)
    seed_demo_photos()
    # The other demo sites closed: without history they would count as a month of missed days each, and
    # seeding all 28 takes two minutes. An inactive site is expected only on days it checked, so it leaves the network.
    Site.objects.exclude(code__in=SITES).update(active=False)


def test_head_office_reads_a_site_in_depth(history, open_as, live_server):
    page = open_as("head.office", f"/app/sites/{REUSING_SITE}/")
    # As the overview's heat-map cell links it (the login's ?next= would drop the second parameter).
    page.goto(f"{live_server.url}/app/sites/{REUSING_SITE}/?period=30&touch_point=restroom#tp-restroom")
    assert page.title().startswith(f"{REUSING_SITE} ")
    chart = page.locator("svg#score-chart")
    chart.wait_for()
    assert chart.bounding_box()["width"] > 500
    weeks = page.locator("tr.week").count()
    assert weeks >= 5 and page.locator("svg#score-chart g.point").count() == weeks
    assert page.locator("svg#score-chart .median-point").count() == weeks
    # The heat map's cell lands here: that touch point is open and marked, the others closed.
    opened = page.locator("details.tp[open]")
    assert opened.count() == 1 and opened.get_attribute("id") == "tp-restroom"
    # The reusing site's photos carry their flags.
    assert page.locator("li.photo .badge.reused").count() >= 1
    assert page.locator("li.photo .badge.stale").count() >= 1
    # The thumbnails load lazily; a full-page screenshot does not scroll, so load them all first.
    page.evaluate("Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode().catch(() => 0); }))")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "app-site")
    check_axe(page)

    # A thumbnail opens the photo full size.
    thumb = page.locator("li.photo a.photo-link").first
    href = thumb.get_attribute("href")
    with page.expect_navigation():
        thumb.click()
    assert href.startswith("/api/v1/evidence/files/")
    size = page.evaluate("() => { const i = document.images[0]; return i && [i.naturalWidth, i.naturalHeight]; }")
    assert size and size[0] >= 120 and size[1] >= 90


def test_a_manager_gets_the_not_found_page_for_another_site(demo_franchise, open_as, live_server):
    seed_history(days=10, site_codes=["SYD-01"])
    page = open_as("manager.syd-01", "/app/sites/SYD-01/")
    assert page.locator("h1").inner_text().startswith("SYD-01")
    assert page.locator("svg#score-chart .median-point").count() == 0  # one site: no network beside it
    check_axe(page)
    page.goto(f"{live_server.url}/app/sites/{REUSING_SITE}/")
    assert page.title().startswith("Not found")
