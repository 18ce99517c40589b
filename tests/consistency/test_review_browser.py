"""Photo review and reference photos in Debian's Chromium, in one walk: head office rejects a photo from the site
page (htmx, in place) and the period's reviews list it; the manager, on a phone, sees the retake asked for at
the top of /app/today/ and the reference photo beside the control, which opens larger. Both pages pass axe-core. The
screenshots docs/screenshots/photo-review.png and today-reference.png are made here.

The ORM is used before the browser starts (fixtures listed before ``open_as``)."""

from __future__ import annotations

import pytest

from consistency.demo_history import seed_history
from consistency.demo_photos import REUSING_SITE, seed_demo_photos
from consistency.demo_reference_photos import seed_reference_photos
from sites.models import Site

from ..browser import browser_available
from ..pages.conftest import LAPTOP, PHONE, check_axe, open_as, screenshot  # noqa: F401 - open_as: a fixture

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]

MANAGER = f"manager.{REUSING_SITE.lower()}"


@pytest.fixture
def photos(demo_franchise):
    """Four days of the reusing site's checks with their photos (flagged reused and stale after the first), and
    the demo's reference photos."""
    seed_history(days=4, site_codes=[REUSING_SITE])
    seed_demo_photos()
    seed_reference_photos()
    Site.objects.exclude(code=REUSING_SITE).update(active=False)  # a small network: the page renders fast


def test_a_photo_rejected_on_the_site_page_is_asked_again_beside_its_reference(photos, open_as):  # noqa: F811
    page = open_as("head.office", f"/app/sites/{REUSING_SITE}/?period=7", viewport=LAPTOP)
    flagged = page.locator("li.photo", has=page.locator(".badge.reused")).first
    form = flagged.locator("details.review")
    form.locator("summary").click()
    form.get_by_label("Reason (the site reads it)").fill("The same restroom photo as the day before.")
    form.get_by_role("button", name="Reject: ask for a retake").click()
    done = flagged.locator(".review-done")
    done.wait_for()
    assert "Rejected" in done.inner_text() and "head.office" in done.inner_text()

    # Another flagged photo, its form open with a reason typed: what the screenshot shows beside the outcome.
    other = page.locator("li.photo", has=page.locator(".badge.reused")).nth(1)
    other.locator("details.review summary").click()
    other.get_by_label("Reason (the site reads it)").fill("Checked with the manager: the camera's clock was wrong.")
    assert other.get_by_role("button", name="Clear the flag").is_visible()

    # Reloaded: the period's reviews list it, with the retake asked for.
    page.reload()
    reviews = page.locator("section.photo-reviews")
    assert reviews.locator("li.reviewed").count() == 1
    assert "Retake asked for" in reviews.inner_text() and "The same restroom photo" in reviews.inner_text()
    page.locator("li.photo details.review summary").first.click()
    page.get_by_label("Reason (the site reads it)").first.fill("Blurred: the basins cannot be seen.")
    page.evaluate("Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode().catch(() => 0); }))")
    check_axe(page)
    page.set_viewport_size({"width": LAPTOP["width"], "height": 1250})
    page.evaluate("document.getElementById('reviews-h').closest('section').scrollIntoView()")
    screenshot(page, "photo-review", full_page=False)

    # The manager, on a phone: the retake asked for at the top of today's page, the reference photo beside the
    # control, opening larger.
    page = open_as(MANAGER, "/app/today/", viewport=PHONE)
    retakes = page.locator("section.retakes")
    assert "The same restroom photo as the day before." in retakes.inner_text()
    assert retakes.get_by_label("New photo").count() == 1
    assert retakes.get_by_text("Restroom cleanliness").count() == 1
    reference = page.locator('details.reference[data-reference="restroom_cleanliness"]')
    thumb = reference.locator("summary img")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth") == 400  # the small copy
    reference.locator("summary").click()
    large = reference.locator("figure img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=large.element_handle())
    assert large.bounding_box()["width"] <= PHONE["width"]  # it fits the phone's width
    assert "Basins dry" in reference.locator("figcaption").inner_text()
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_axe(page)
    # The criterion with its reference photo opened, at the top of the phone's screen.
    page.evaluate("document.getElementById('c-restroom_cleanliness').scrollIntoView()")
    screenshot(page, "today-reference", full_page=False)
