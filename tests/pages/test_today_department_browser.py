"""/app/today/ in Chromium for department staff: the demo's accounting person picks a site they serve, fills
accounting's touch points (invoicing) and sends them: one accounting check is stored, the site's own check is
untouched. The screenshot: docs/screenshots/app-today-department.png."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from consistency.models import Criterion, DailyCheck
from consistency.services.checks import local_today
from sites.models import Site

from ..browser import browser_available
from .conftest import PHONE, check_axe, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]

SITE = "LON-01"


@pytest.fixture
def accounting_criteria(demo_franchise) -> list[tuple[str, str, str]]:
    """(key, kind, value) of accounting's criteria in the demo standard: every target met."""
    out = []
    for c in (Criterion.objects.filter(version=demo_franchise["version"], touch_point__department__key="accounting")
              .order_by("touch_point__order", "order")):
        value = "Yes" if c.kind == "boolean" else "5" if c.kind == "score" else f"{c.target:g}"
        out.append((c.key, c.kind, value))
    assert [k for k, _, _ in out] == ["invoice_errors", "invoice_sample_accurate_pct", "invoice_sent_same_day",
                                      "invoice_layout_current"]
    return out


def in_a_thread(fn):
    def run():
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def test_accounting_picks_a_site_it_serves_and_sends_its_touch_points(accounting_criteria, open_as, live_server):
    page = open_as("accounts", "/", viewport=PHONE)
    assert page.url == f"{live_server.url}/app/today/"  # "/" sends department staff to their checklist
    # The picker lists every site accounting serves; it opens the one chosen.
    options = page.locator("#site-pick option").all_inner_texts()
    assert len(options) == 28 and any(o.startswith(SITE) for o in options)
    page.locator("#site-pick").select_option(SITE)
    page.get_by_role("button", name="Open").click()
    page.wait_for_url(f"**/app/today/?site={SITE}")
    assert page.locator("h1").inner_text().startswith(f"Accounting at {SITE}")
    shown = page.locator("fieldset.crit").evaluate_all("els => els.map(e => e.id)")
    assert shown == [f"c-{key}" for key, _, _ in accounting_criteria]  # invoicing only: not the front desk's
    for key, kind, value in accounting_criteria:
        fieldset = page.locator(f"#c-{key}")
        if kind == "number":
            fieldset.get_by_role("spinbutton").fill(value)
        else:
            fieldset.get_by_label(value, exact=True).check()
    check_axe(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "app-today-department", full_page=False)  # as a phone shows it: the picker, the first criteria
    page.get_by_role("button", name="Send today's check").click()
    page.locator("#today-result").get_by_text("Sent: check").wait_for(timeout=45_000)

    def stored():
        site = Site.objects.get(code=SITE)
        return [(c.department.key if c.department else None, c.submitted_by.username, c.results.count())
                for c in DailyCheck.objects.filter(site=site, date=local_today(site)).select_related(
                    "department", "submitted_by")]

    assert in_a_thread(stored) == [("accounting", "accounts", 4)]
