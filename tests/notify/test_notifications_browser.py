"""/app/notifications/ in a real browser: a manager reads how they get each event and their recent notices,
moves one event to the daily digest, and the page passes axe-core; the screenshot for the README."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from notify.events import Event
from notify.models import Notice, NoticeStatus, Preference
from sites.models import Site

from ..browser import browser_available
from ..pages.conftest import PHONE, check_axe, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]


@pytest.fixture
def manager(demo_franchise):
    """manager.akl-01 with an address and a few notices of the last days (written before the browser starts)."""
    user = User.objects.get(username="manager.akl-01")
    user.email = "manager.akl-01@example.com"
    user.save(update_fields=["email"])
    site = Site.objects.get(code="AKL-01")
    now = timezone.now()
    rows = [(Event.CHECK_REMINDER, NoticeStatus.SENT, 0), (Event.PHOTO_REJECTED, NoticeStatus.SENT, 1),
            (Event.PHOTO_CLEARED, NoticeStatus.HELD, 1), (Event.ACTION_DUE_SOON, NoticeStatus.SENT, 2),
            (Event.CHECK_REMINDER, NoticeStatus.SENT, 3)]
    for i, (event, status, days) in enumerate(rows):
        notice = Notice.objects.create(event=event, key=f"demo-{i}", recipient=user, site=site, status=status,
                                       link=f"/app/sites/{site.code}/")
        Notice.objects.filter(pk=notice.pk).update(created_at=now - dt.timedelta(days=days, hours=i))
    return user


def test_a_manager_moves_an_event_to_the_digest(manager, open_as):
    page = open_as("manager.akl-01", "/app/notifications/")
    assert page.title() == "Notifications · Touchpoint"
    expect(page.get_by_role("link", name="Notifications")).to_have_attribute("aria-current", "page")
    check_axe(page)

    card = page.get_by_role("region", name="A site missed a day's check")
    expect(card.get_by_role("radio", name="Each one as it happens (default)")).to_be_checked()
    card.get_by_role("radio", name="In a daily digest").check()
    card.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text("A site missed a day's check: In a daily digest.")
    expect(page.get_by_role("region", name="A site missed a day's check")
           .get_by_role("radio", name="In a daily digest")).to_be_checked()
    assert Preference.objects.get(user=manager).mode == "digest"

    recent = page.get_by_role("region", name="Your recent notices")
    assert recent.get_by_role("row").count() == 6  # the header and five notices, newest first
    expect(recent.get_by_role("row").nth(1)).to_contain_text("Today's check is not in by the site's cutoff")
    expect(page.get_by_text("Messages go to manager.akl-01@example.com.")).to_be_visible()
    check_axe(page)
    screenshot(page, "notifications")

    page.set_viewport_size(PHONE)
    assert not page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")
