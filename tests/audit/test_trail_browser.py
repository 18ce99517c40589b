"""/app/audit/ in a real browser on the demo network: what head office did over a morning, recorded by the
services themselves, shown with the chain's last verification; axe-core passes, on a laptop and on a phone;
the screenshots docs/screenshots/app-audit-trail*.png are made here."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from audit.verify import verify
from consistency.services import applicability
from reports.services import report_order
from sites.models import Site
from sites.tokens import token_issue, token_revoke

from ..browser import browser_available
from ..pages.conftest import PHONE, check_axe, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]


@pytest.fixture
def morning(demo_franchise):
    users = get_user_model().objects
    head, auditor = users.get(username="head.office"), users.get(username="auditor")
    today = timezone.localdate()
    applicability.mark(user=head, site=Site.objects.get(code="CHC-02"), criterion_key="restroom_cleanliness",
                       starts_on=today, ends_on=None, reason="The site has no restroom of its own")
    report_order(user=auditor, kind="compliance_pack", date_from=today - dt.timedelta(days=30), date_to=today,
                 sites=["AKL-01"])
    phone, _ = token_issue(user=users.get(username="manager.akl-01"), device_name="iPhone (lost)")
    token_revoke(viewer=head, token_id=phone.pk)
    verify().save()
    report_order(user=head, kind="variance", date_from=today - dt.timedelta(days=7), date_to=today)
    return head


def test_head_office_reads_the_trail(morning, open_as):
    page = open_as("head.office", "/app/audit/")
    assert page.get_by_role("heading", name="Audit trail").is_visible()
    assert page.get_by_text("Chain verified up to entry").is_visible()
    rows = page.locator("table.trail tbody tr")
    assert rows.count() >= 5
    assert "variance" in rows.first.inner_text() and "Report ordered" in rows.first.inner_text()
    assert page.get_by_text("The site has no restroom of its own").is_visible()
    check_axe(page)
    screenshot(page, "app-audit-trail")
    # Filtered in place (htmx): the address follows, so the filter can be shared.
    page.get_by_label("What").select_option("token.revoked")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**action=token.revoked**")
    assert page.locator("table.trail tbody tr").count() == 1
    assert "iPhone (lost)" in page.locator("table.trail").inner_text()
    phone = open_as("head.office", "/app/audit/", viewport=PHONE)
    check_axe(phone)
    screenshot(phone, "app-audit-trail-phone")
