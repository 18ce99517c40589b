"""The phone page (/app/today/ at 390 x 844, Debian's Chromium): a manager sends the checklist with a photo too dark
to show anything; the page says so as soon as the photo is confirmed, with what to do while still on site. The photo
goes the phone's usual way: the presigned S3 form, then the confirmation."""

from __future__ import annotations

import pytest
from django.conf import settings

from ..browser import browser_available
from ..pages.conftest import PHONE, check_axe, open_as, screenshot  # noqa: F401
from ..pages.test_today_browser import MANAGER, PHOTO_CRITERION, answers, bucket_cors, fill  # noqa: F401
from .photos import dark, jpeg, scene

pytestmark = [pytest.mark.django_db(transaction=True), browser_available,
              pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="direct uploads need an S3 endpoint")]


def test_a_dark_photo_is_flagged_at_once_with_a_retake_prompt(answers, bucket_cors, open_as):  # noqa: F811
    page = open_as(MANAGER, "/app/today/", viewport=PHONE)
    fill(page, answers, list(answers))
    page.locator(f"#p-{PHOTO_CRITERION}").set_input_files(
        files=[{"name": "restroom.jpg", "mimeType": "image/jpeg", "buffer": jpeg(dark(scene(40, size=(1200, 900))))}])
    page.locator(f"#ph-{PHOTO_CRITERION} li").filter(has_text="restroom.jpg").wait_for()
    page.get_by_role("button", name="Send today's check").click()
    result = page.locator("#today-result")
    result.get_by_text("Sent: check").wait_for(timeout=45_000)
    prompt = result.locator(".retake-now")
    prompt.wait_for()
    text = prompt.inner_text()
    assert "Take these photos again now" in text and "restroom.jpg" in text
    assert "too dark to show anything" in text and "take it again while you are on site" in text
    assert prompt.get_attribute("role") == "alert"
    check_axe(page)
    prompt.scroll_into_view_if_needed()
    screenshot(page, "app-today-retake", full_page=False)
    # After a reload the page reads the check back from the server: the note stays, beside the amendment.
    page.reload()
    note = page.locator("#today-check .retake-now")
    note.wait_for()
    assert "Take it again now:" in note.inner_text() and "too dark" in note.inner_text()
    page.context.close()
