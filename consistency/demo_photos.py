"""Photos for the demo history: small generated pictures, stored and verified through the evidence service.

Every demo check of the last ``DEMO_PHOTO_DAYS`` days whose photo criteria were met gets its photos (a
criterion that requires photos is not passed without them). Each picture differs by site, day and criterion (so perceptual hashes differ) and
carries an EXIF capture time a few minutes after the check was performed, with the site's UTC offset.

One site, ``REUSING_SITE``, sends the same restroom photo every morning: its first photo is clean,
every later one is flagged ``reused_from`` (same bytes) and ``stale_capture`` (captured on the first day).

Safe to run twice: a check and criterion that already has evidence is left alone.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from django.db import transaction
from django.db.models import Exists, OuterRef
from PIL import Image, ImageDraw

from .models import CheckResult, DailyCheck, Evidence
from .services import evidence as evidence_services
from .services import rollup

REUSING_SITE = "SYD-02"
REUSED_CRITERION = "restroom_cleanliness"
PHOTO_SIZE = (240, 180)
# Photos for the most recent week of the history only: each photo goes through the full service (image
# checks, hashes, trust flags, two write-once puts, re-judging), 20-40 ms apiece on a busy laptop with S3,
# and 60 days x 28 sites x 5 photo criteria would be ~7,600 photos: minutes of seeding on every
# `make run` and in every test that seeds the demo. Older demo checks keep their photo criteria
# "met, photos owed" (not passed), exactly as the rules judge a check whose photos never arrived.
DEMO_PHOTO_DAYS = 7


def demo_photo(seed: str, *, captured: dt.datetime) -> bytes:
    """A small JPEG: a background and a few shapes chosen by ``seed``, EXIF capture time ``captured``."""
    rng = random.Random(seed)
    w, h = PHOTO_SIZE
    im = Image.new("RGB", PHOTO_SIZE, tuple(rng.randrange(90, 230) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(8):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        box = [x0, y0, min(w, x0 + rng.randrange(30, 160)), min(h, y0 + rng.randrange(30, 120))]
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(
            box, fill=tuple(rng.randrange(256) for _ in range(3)))
    exif = Image.Exif()
    offset = captured.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    exif[0x8769] = {0x9003: captured.strftime("%Y:%m:%d %H:%M:%S"),
                    0x9011: f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=75, exif=exif)
    return out.getvalue()


def seed_demo_photos(*, days: int | None = DEMO_PHOTO_DAYS) -> dict:
    """Attach photos to the demo checks of the last ``days`` days (None: all) that owe them."""
    owed = (CheckResult.objects
            .filter(is_current=True, met=True, criterion__photos_required__gt=0)
            .filter(~Exists(Evidence.objects.filter(daily_check_id=OuterRef("daily_check_id"),
                                                    criterion_id=OuterRef("criterion_id"))))
            .select_related("criterion", "daily_check__site", "daily_check__version", "daily_check__submitted_by")
            .order_by("daily_check__site__code", "date", "criterion__key"))
    if days is not None:
        latest = DailyCheck.objects.order_by("-date").values_list("date", flat=True).first()
        if latest is None:
            return {"photos": 0, "reused": 0}
        owed = owed.filter(date__gt=latest - dt.timedelta(days=days))
    by_site: dict[int, dict[int, list[CheckResult]]] = {}
    for result in owed.iterator(chunk_size=500):
        by_site.setdefault(result.site_id, {}).setdefault(result.daily_check_id, []).append(result)
    stored = reused = 0
    reused_photo: dict[str, bytes] = {}
    for checks in by_site.values():
        # One transaction per site: every photo, every re-judged check, and one call to the rollup hook
        # with all the site's changed dates (the hook is the slow part when called per check).
        with transaction.atomic():
            dates = set()
            for results in checks.values():
                counts = _attach(results, reused_photo)
                stored += counts[0]
                reused += counts[1]
                check = results[0].daily_check
                evidence_services.rejudge(check_id=check.pk, criterion_ids=[r.criterion_id for r in results],
                                          notify=False)
                dates.add(check.date)
            rollup.results_changed(site_id=results[0].site_id, dates=sorted(dates))
    return {"photos": stored, "reused": reused}


def _attach(results: list[CheckResult], reused_photo: dict[str, bytes]) -> tuple[int, int]:
    check = results[0].daily_check
    site = check.site
    captured = check.performed_at.astimezone(site.tz) + dt.timedelta(minutes=3)
    target = evidence_services.Target(site=site, daily_check=check)
    stored = reused = 0
    for result in results:
        key = result.criterion.key
        for n in range(result.criterion.photos_required):
            if site.code == REUSING_SITE and key == REUSED_CRITERION:
                if site.code not in reused_photo:
                    reused_photo[site.code] = (_existing_reused_photo()
                                               or demo_photo(f"{site.code}/restroom", captured=captured))
                photo = reused_photo[site.code]
                reused += 1
            else:
                photo = demo_photo(f"{site.code}/{check.date.isoformat()}/{key}/{n}", captured=captured)
            evidence_services.evidence_upload(
                user=check.submitted_by, target=target, criterion_key=key, file=io.BytesIO(photo),
                size=len(photo), content_type="image/jpeg", rejudge_now=False,
            )
            stored += 1
    return stored, reused


def _existing_reused_photo() -> bytes | None:
    """On a second run, the reusing site keeps sending the very photo it sent before."""
    from . import storage

    first = (Evidence.objects.filter(site__code=REUSING_SITE, criterion__key=REUSED_CRITERION,
                                     status=Evidence.Status.VERIFIED).order_by("id").first())
    if first is None:
        return None
    try:
        return storage.read_bytes(first.key, max_bytes=2 * 1024 * 1024)
    except storage.ObjectMissing:
        return None
