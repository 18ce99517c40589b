"""Criteria not applicable at a site, in Debian's Chromium: the manager's checklist shows the reason where the control
was and sends no value for it (the check is stored without it); head office marks and ends a mark from the site's
page (htmx). Both pages pass axe-core; the screenshots docs/screenshots/not-applicable-*.png are made here.

The ORM runs before the browser starts (fixtures listed before ``open_as``), and afterwards in a thread of its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from consistency.demo_history import seed_history
from consistency.demo_not_applicable import DEMO_MARKS, seed_not_applicable
from consistency.models import CheckResult, Criterion, DailyCheck
from consistency.models.review import NotApplicable
from consistency.services.checks import local_today
from sites.models import Site

from ..browser import browser_available
from ..pages import conftest as pages
from ..pages.conftest import LAPTOP, PHONE, SCREENSHOTS, check_axe, screenshot

open_as = pages.open_as  # the pages' fixture: signed in through the login page

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]

RESTROOM_SITE, DELIVERY_SITE = "CHC-02", "SFO-02"


def in_a_thread(fn):
    def run():
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def marked(demo_franchise):
    seed_history(days=14, site_codes=[RESTROOM_SITE, DELIVERY_SITE])
    assert seed_not_applicable() == 8
    # The other demo sites closed: without history each would count as days missed, and the site page compares.
    Site.objects.exclude(code__in=[RESTROOM_SITE, DELIVERY_SITE]).update(active=False)
    answers = {}
    for c in (Criterion.objects.filter(version=demo_franchise["version"])
              .exclude(touch_point__department__submitted_by="department")
              .exclude(key__in=DEMO_MARKS[RESTROOM_SITE][0]).order_by("touch_point__order", "order")):
        answers[c.key] = (c.kind, {"boolean": "Yes", "score": "5"}.get(c.kind, f"{c.target:g}"))
    return answers


def test_the_checklist_shows_the_reason_and_sends_nothing_for_it(marked, open_as, live_server):
    page = open_as(f"manager.{RESTROOM_SITE.lower()}", "/app/today/", viewport=PHONE)
    shown = page.locator("#na-restroom_cleanliness")
    shown.wait_for()
    assert "Not applicable here: No customer restroom" in shown.inner_text()
    assert page.locator("#c-restroom_cleanliness").count() == 0 and page.locator("#p-restroom_cleanliness").count() == 0
    assert page.locator("fieldset.crit").count() == len(marked)
    page.locator("#tp-restroom").evaluate("e => e.scrollIntoView()")
    page.evaluate("window.scrollBy(0, -16)")
    screenshot(page, "not-applicable-today", full_page=False)
    check_axe(page)
    for key, (kind, value) in marked.items():
        fieldset = page.locator(f"#c-{key}")
        if kind == "number":
            fieldset.get_by_role("spinbutton").fill(value)
        else:
            fieldset.get_by_label(value, exact=True).check()
    sent = []
    page.on("request", lambda r: sent.append(r.post_data) if r.method == "POST" and "/checks/" in r.url else None)
    page.get_by_role("button", name="Send today's check").click()
    page.locator("#today-result").get_by_text("Sent: check").wait_for(timeout=30_000)
    assert sent and "restroom" not in sent[0]
    page.context.close()

    def stored():
        site = Site.objects.get(code=RESTROOM_SITE)
        check = DailyCheck.objects.get(site=site, date=local_today(site), department__isnull=True, is_current=True)
        keys = set(CheckResult.objects.filter(daily_check=check).values_list("criterion__key", flat=True))
        assert keys == set(marked)

    in_a_thread(stored)


def test_head_office_marks_and_ends_from_the_site_page(marked, open_as, live_server):
    page = open_as("head.office", f"/app/sites/{DELIVERY_SITE}/", viewport=LAPTOP)
    part = page.locator("#not-applicable")
    part.wait_for()
    assert part.locator("tbody tr").count() == 4  # the demo's delivery criteria
    assert "Walk-in counter only" in part.inner_text()
    form = part.locator("form.na-mark")
    form.get_by_label("Criterion").select_option("reception_temperature")
    form.get_by_label("Reason").fill("Open-air kiosk: no heated reception.")
    form.get_by_role("button", name="Mark not applicable").click()
    page.locator('#not-applicable tr[data-criterion="reception_temperature"]').wait_for()
    assert page.url.endswith(f"/app/sites/{DELIVERY_SITE}/")  # swapped in place (htmx), no reload
    # A second mark of the same days is refused in place, naming the one that exists.
    form = page.locator("#not-applicable form.na-mark")
    form.get_by_label("Criterion").select_option("reception_temperature")
    form.get_by_label("Reason").fill("Again")
    form.get_by_role("button", name="Mark not applicable").click()
    page.locator("#na-error").wait_for()
    assert "already not applicable" in page.locator("#na-error").inner_text()
    page.locator("#not-applicable").screenshot(path=str(SCREENSHOTS / "not-applicable-site.png"))
    check_axe(page)
    # Ended from its row (today: its last day).
    row = page.locator('#not-applicable tr[data-criterion="delivery_on_time_pct"]')
    row.get_by_role("button", name="End").click()  # its last day: today, as the form proposes
    page.wait_for_function("document.querySelector('#not-applicable tr[data-criterion=\"delivery_on_time_pct\"]')"
                           ".textContent.includes('until further notice') === false")
    page.context.close()

    def ended():
        site = Site.objects.get(code=DELIVERY_SITE)
        mark = NotApplicable.objects.get(site=site, criterion_key="delivery_on_time_pct")
        assert mark.ends_on == local_today(site)
        assert NotApplicable.objects.filter(site=site, criterion_key="reception_temperature",
                                            reason="Open-air kiosk: no heated reception.").count() == 1

    in_a_thread(ended)
