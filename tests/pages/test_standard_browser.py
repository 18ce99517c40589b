"""/app/standard/ in a real browser: head office reads the standard, opens the draft, publishes it and sees the
diff with the target it changed; a manager reads it on a phone; axe-core on every view of it."""

import pytest

from consistency.selectors import standard as selectors
from consistency.services import standard as services

from ..browser import browser_available
from .conftest import PHONE, check_axe, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]


@pytest.fixture
def draft(demo_franchise):
    """Version 2 of the demo standard, a draft: the phone must be answered within 2 rings (was 3), and the
    restroom's photo rule is two photos. Made before the browser starts (see conftest)."""
    version = services.version_draft(standard=selectors.master_standard(), notes="Faster phones, more photos")
    services.criterion_update(version=version, key="phone_rings_to_answer", changes={"target": 2})
    services.criterion_update(version=version, key="restroom_cleanliness", changes={"photos_required": 2})
    return version


def test_head_office_publishes_the_draft_and_sees_the_diff(draft, open_as, live_server, tmp_path):
    page = open_as("head.office", "/app/standard/")
    assert page.title() == "Touchpoint Brand Standard, version 1 · Touchpoint"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Version 1")
    phone = page.get_by_role("region", name="1. Phone")
    assert "at most 3 rings" in phone.inner_text()
    check_axe(page)
    screenshot(page, "app-standard")

    # The draft, read before it is published.
    page.get_by_role("link", name="Read the draft").click()
    page.wait_for_load_state()
    assert page.url.endswith("/app/standard/?version=2")
    assert "at most 2 rings" in page.get_by_role("region", name="1. Phone").inner_text()
    check_axe(page)
    page.screenshot(path=str(tmp_path / "standard-draft.png"))  # looked at; docs keep the version in force
    print("draft screenshot:", tmp_path)

    # Publish it, on the earliest day it can take effect (the field left empty), with the keyboard.
    page.get_by_role("button", name="Publish version 2").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/app/standard/diff/?from=1&to=2")
    assert "Version 2 is published and in force from today." in page.get_by_role("status").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "What changed from version 1 to version 2"
    assert "2 changes: 2 criteria changed." in page.locator(".std-summary").inner_text()
    rings = page.get_by_role("row", name="Rings before the phone was answered")
    said = " ".join(rings.inner_text().split())
    assert "Changed" in said and "at most 3 rings → becomes at most 2 rings" in said and "Target: 3 → becomes 2" in said
    photos = " ".join(page.get_by_role("row", name="Restroom cleanliness").inner_text().split())
    assert "Photos required: 1 → becomes 2" in photos
    # The version now in force is the one published (read on the page: the ORM stays out of Playwright's thread).
    assert "In force" in page.get_by_role("definition").filter(has_text="Version 2").inner_text()
    check_axe(page)
    screenshot(page, "app-standard-diff")


@pytest.fixture
def published_draft(draft):
    return services.version_publish(version=draft)


def test_a_manager_reads_the_standard_and_a_diff_on_a_phone(published_draft, open_as, tmp_path):
    page = open_as("manager.akl-01", "/app/standard/", viewport=PHONE)
    assert page.title() == "Touchpoint Brand Standard, version 2 · Touchpoint"
    assert page.get_by_role("button", name="Publish version 2").count() == 0
    assert "at most 2 rings" in page.get_by_role("region", name="1. Phone").inner_text()
    # Nothing wider than the phone: the tables fold into cards.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_axe(page)
    page.screenshot(path=str(tmp_path / "standard-phone.png"), full_page=True)  # looked at; docs keep the laptop's

    page.get_by_label("From").select_option("1")
    page.get_by_label("To").select_option("2")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/app/standard/diff/?from=1&to=2")
    assert "at most 3 rings" in page.get_by_role("row", name="Rings before the phone was answered").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_axe(page)
    page.screenshot(path=str(tmp_path / "standard-diff-phone.png"), full_page=True)
    print("phone screenshots:", tmp_path)
