"""The site page's photos with their trust flags, in Debian's Chromium on a laptop screen: photos sent through the
API for a demo site (blurred, dark, edited, far from the site, captured after upload, C2PA signed) carry their
badges, and the page passes axe-core. The screenshot docs/screenshots/app-site-photo-flags.png is made here."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from consistency.models import Criterion
from consistency.services.checks import local_today
from sites.models import Site

from ..browser import browser_available
from ..conftest import client_for
from ..consistency.evidence_factories import multipart
from ..pages.conftest import check_axe, open_as, screenshot  # noqa: F401
from .photos import blurred, c2pa_signed, dark, jpeg, scene

pytestmark = [pytest.mark.django_db(transaction=True), browser_available]

SITE = "AKL-01"


@pytest.fixture
def flagged_photos(demo_franchise, local_storage):
    site = Site.objects.get(code=SITE)
    site.latitude, site.longitude = -36.8485, 174.7633
    site.save()
    manager = client_for(get_user_model().objects.get(username=f"manager.{SITE.lower()}"))
    day = local_today(site) - dt.timedelta(days=1)  # the page's default period ends yesterday
    results = []
    for c in Criterion.objects.filter(version=demo_franchise["version"]).exclude(
            touch_point__department__submitted_by="department"):
        value = True if c.kind == "boolean" else 5 if c.kind == "score" else c.target
        results.append({"criterion": c.key, "value": value, "note": ""})
    answer = manager.post(f"/api/v1/sites/{SITE}/checks/", {
        "date": day.isoformat(), "performed_at": timezone.now().isoformat(), "client_id": str(uuid.uuid4()),
        "results": results}, format="json")
    assert answer.status_code == 201, answer.json()
    check = answer.json()["id"]
    keys = [c.key for c in Criterion.objects.filter(version=demo_franchise["version"], photos_required__gt=0)
            .exclude(touch_point__department__submitted_by="department").order_by("touch_point__order", "order")]
    later = timezone.now().astimezone(zoneinfo.ZoneInfo(site.timezone)) + dt.timedelta(hours=1)
    offset = later.strftime("%z")
    photos = [jpeg(blurred(scene(50))), jpeg(dark(scene(51))), jpeg(scene(52), software="Adobe Photoshop 25.0"),
              jpeg(scene(53), gps=(-41.2865, 174.7762)),
              jpeg(scene(54), captured=later.strftime("%Y:%m:%d %H:%M:%S"), offset=f"{offset[:3]}:{offset[3:]}"),
              c2pa_signed(jpeg(scene(55)))]
    for i, data in enumerate(photos):  # a criterion takes more than one photo
        sent = manager.post(f"/api/v1/checks/{check}/evidence/", multipart(data, criterion=keys[i % len(keys)]),
                            format="multipart")
        assert sent.status_code == 201, sent.json()
    return len(photos)


def test_head_office_sees_each_photos_flags(flagged_photos, open_as):  # noqa: F811
    page = open_as("head.office", f"/app/sites/{SITE}/")
    photos = page.locator("li.photo")
    photos.first.wait_for()
    assert photos.count() == flagged_photos
    text = page.locator("ol.checks").inner_text()
    for words in ("Blurred", "Too dark", "Edited: Adobe Photoshop 25.0", "km from the site", "Captured after upload",
                  "Signed by Test Camera"):
        assert words in text, words
    page.evaluate("Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode().catch(() => 0); }))")
    check_axe(page)
    page.locator("ol.checks").scroll_into_view_if_needed()
    page.locator("ol.checks").screenshot(path=str(screenshot.__globals__["SCREENSHOTS"] / "app-site-photo-flags.png"))
