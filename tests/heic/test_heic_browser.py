"""/app/today/ on a phone-sized screen (390 x 844) in Debian's Chromium: the photo input offers HEIC, and a HEIC
chosen on a system that knows no type for it (``File.type`` empty, as on most desktops) is declared by its name,
sent to S3 and verified."""

from __future__ import annotations

import pytest
from django.conf import settings

from consistency.models import Evidence
from consistency.services import images

from ..browser import browser_available
from ..pages.conftest import PHONE, check_axe, screenshot
from ..pages.test_today_browser import (  # noqa: F401
    MANAGER,
    PHOTO_CRITERION,
    SITE,
    answers,
    bucket_cors,
    fill,
    in_a_thread,
    stored_checks,
)
from .heic_factories import heic

pytestmark = [pytest.mark.django_db(transaction=True), browser_available,
              pytest.mark.skipif(settings.STORAGE_BACKEND != "s3", reason="direct uploads need an S3 endpoint")]


def test_a_manager_sends_a_heic_photo_from_the_phone_page(answers, bucket_cors, open_as):  # noqa: F811
    page = open_as(MANAGER, "/app/today/", viewport=PHONE)
    photo_input = page.locator(f"#p-{PHOTO_CRITERION}")
    accept = photo_input.get_attribute("accept").split(",")
    assert {"image/*", ".heic"} <= set(accept)
    assert accept == images.ACCEPT_ATTRIBUTE.split(",")
    # Every photo input of the page offers the same types.
    assert set(page.eval_on_selector_all("input[type=file]", "els => els.map(e => e.accept)")) == {
        images.ACCEPT_ATTRIBUTE}

    fill(page, answers, list(answers))
    data = heic(seed=21, size=(1200, 900), orientation=6, captured=None)
    photo_input.set_input_files(files=[{"name": "IMG_4032.HEIC", "mimeType": "", "buffer": data}])
    page.locator(f"#ph-{PHOTO_CRITERION} li").filter(has_text="IMG_4032.HEIC").wait_for()
    # No broken image: a browser that cannot draw a HEIC (Chromium) names the format in its place.
    kept = page.locator(f"#ph-{PHOTO_CRITERION} li")
    page.wait_for_function(f"""() => {{ const i = document.querySelector('#ph-{PHOTO_CRITERION} li img');
        return !i || (i.complete && i.naturalWidth > 0); }}""")
    if kept.locator("img").count() == 0:
        assert kept.locator(".fmt").inner_text() == "HEIC"
    photo_input.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -200)")
    screenshot(page, "today-heic", full_page=False)
    check_axe(page)

    asked = []
    page.on("request", lambda r: asked.append(r.post_data_json) if r.url.endswith("/evidence/") and r.method == "POST"
            else None)
    page.get_by_role("button", name="Send today's check").click()
    page.locator("#today-result").get_by_text("Sent: check").wait_for(timeout=45_000)
    assert [a["content_type"] for a in asked] == ["image/heic"]  # declared by its name
    page.context.close()

    def stored():
        (check,) = stored_checks(SITE)
        (evidence,) = Evidence.objects.filter(daily_check=check)
        assert (evidence.status, evidence.declared_content_type) == ("verified", "image/heic")
        assert evidence.key.endswith(".heic") and (evidence.width, evidence.height) == (900, 1200)

    in_a_thread(stored)
