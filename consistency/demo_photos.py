"""Photos for the demo history: small generated pictures, inspected and recorded verified as the evidence
service records them.

Every current demo check whose photo criteria were met gets its photos (a criterion that requires photos is
not passed without them), and a corrective action resolved in the demo history gets the photo of its fix
(``photograph_fixes``). Each picture differs by site, day and criterion (so perceptual hashes differ) and
carries an EXIF capture time, with the site's UTC offset, taken while the check was being done: a few minutes
apart, from when it was performed. The phone uploads them once the check is sent, one after the other.

One site, ``REUSING_SITE``, sends the same restroom photo every morning: its first photo is clean,
every later one is flagged ``reused_from`` (same bytes) and ``stale_capture`` (captured on the first day).

Thousands of photos (60 days x 28 sites x 5 photo criteria): each is inspected (``images.inspect_photo``) and
its trust flags set (``verdicts.fill_verified``) one by one, with the verified photos held in memory
(``evidence_trust.PhotoIndex``: the rule the database search applies), and a check's photos are stored and
inserted together, with the keys reuse detection finds them by (``PhotoKey``). A phone's upload
(``evidence.uploads``) adds the rules of a request from outside (retries, room, second copies), which the
demo's own pictures do not need.

Safe to run twice: a check and criterion that already has evidence is left alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from PIL import Image, ImageDraw

from . import storage
from .models import CheckResult, CorrectiveAction, Evidence, PhotoKey
from .services import evidence_trust as trust
from .services import images, photo_days, rollup
from .services.evidence.rejudging import rejudge_days
from .services.evidence.targets import Target, new_key, thumbnail_key
from .services.evidence.verdicts import fill_verified, flag_copies

REUSING_SITE = "SYD-02"
REUSED_CRITERION = "restroom_cleanliness"
PHOTO_SIZE = (160, 120)


def demo_photo(seed: str, *, captured: dt.datetime) -> bytes:
    """A small JPEG: a background and a few shapes chosen by ``seed``, EXIF capture time ``captured``."""
    rng = random.Random(seed)
    w, h = PHOTO_SIZE
    im = Image.new("RGB", PHOTO_SIZE, tuple(rng.randrange(90, 230) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(8):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        box = [x0, y0, min(w, x0 + rng.randrange(25, 130)), min(h, y0 + rng.randrange(25, 100))]
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(
            box, fill=tuple(rng.randrange(256) for _ in range(3)))
    # Small detail everywhere, as a real room has (tiles, labels, grain): flat shapes alone look alike to the reuse
    # index's local views, and every demo photo would be compared with its dozen nearest.
    for _ in range(60):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        draw.rectangle([x0, y0, x0 + rng.randrange(2, 9), y0 + rng.randrange(2, 9)],
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    exif = Image.Exif()
    offset = captured.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    exif[0x8769] = {0x9003: captured.strftime("%Y:%m:%d %H:%M:%S"),
                    0x9011: f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"}
    out = io.BytesIO()
    im.save(out, "JPEG", quality=75, exif=exif)
    return out.getvalue()


@dataclass(frozen=True)
class DemoPhoto:
    target: Target
    day: dt.date
    criterion_id: int
    data: bytes
    uploaded: dt.datetime
    user: object


def seed_demo_photos() -> dict:
    """Attach photos to every current demo check that owes them. Returns how many, and how many reused."""
    owed = (CheckResult.objects
            .filter(is_current=True, met=True, criterion__photos_required__gt=0)
            .filter(~Exists(Evidence.objects.filter(daily_check_id=OuterRef("daily_check_id"),
                                                    criterion_id=OuterRef("criterion_id"))))
            .select_related("criterion", "daily_check__site", "daily_check__submitted_by")
            .order_by("daily_check__site__code", "date", "criterion__touch_point__order", "criterion__order"))
    by_site: dict[int, dict[int, list[CheckResult]]] = {}
    for result in owed.iterator(chunk_size=1000):
        by_site.setdefault(result.site_id, {}).setdefault(result.daily_check_id, []).append(result)
    if not by_site:
        return {"photos": 0, "reused": 0}
    index = trust.PhotoIndex.of_verified()
    reused_photo = _existing_reused_photo()
    stored = reused = 0
    for site_id, checks in by_site.items():
        # One transaction per site: every photo, every re-judged check, and one call to the rollup hook
        # with all the site's changed dates (the hook is the slow part when called per check).
        with transaction.atomic():
            rollup.lock_site(site_id)
            photos = [p for results in checks.values() for p in _photos_of_check(results, reused_photo)]
            reused += sum(p.data == reused_photo.get("data") for p in photos)
            stored += len(_record(photos, index=index))
            criteria_by_day = {results[0].date: [r.criterion_id for r in results] for results in checks.values()}
            rejudge_days(site_id=site_id, criteria_by_day=criteria_by_day)
            rollup.results_changed(site_id=site_id, dates=sorted(criteria_by_day), site_locked=True)
    return {"photos": stored, "reused": reused}


def _photos_of_check(results: list[CheckResult], reused_photo: dict) -> list[DemoPhoto]:
    """The check's photos, taken a few minutes apart while it was done, uploaded one by one once it was sent."""
    check = results[0].daily_check
    site = check.site
    target = Target(site=site, daily_check=check)
    rng = random.Random(f"{site.code}/{check.date.isoformat()}/photos")
    performed = check.performed_at.astimezone(site.tz)
    # Taken between the start of the check and its sending (at most 40 minutes: a late site sends days later).
    span = min(check.received_at - check.performed_at, dt.timedelta(minutes=40)).total_seconds()
    wanted = sum(r.criterion.photos_required for r in results)
    taken = iter(sorted(rng.uniform(0.05, 0.95) * max(span, 60) for _ in range(wanted)))
    uploaded = check.received_at
    photos = []
    for result in results:
        key = result.criterion.key
        for n in range(result.criterion.photos_required):
            captured = (performed + dt.timedelta(seconds=next(taken))).replace(microsecond=0)
            uploaded += dt.timedelta(seconds=rng.randint(8, 50))
            if site.code == REUSING_SITE and key == REUSED_CRITERION:
                if "data" not in reused_photo:
                    reused_photo["data"] = demo_photo(f"{site.code}/restroom", captured=captured)
                data = reused_photo["data"]
            else:
                data = demo_photo(f"{site.code}/{check.date.isoformat()}/{key}/{n}", captured=captured)
            photos.append(DemoPhoto(target, check.date, result.criterion_id, data, uploaded, check.submitted_by))
    return photos


def photograph_fixes(fixes: list[tuple[CorrectiveAction, dt.datetime]]) -> int:
    """Attach to each action the photos of its fix (as many as its criterion requires), taken and uploaded
    shortly before ``resolved_at``. Call in the transaction that resolves them."""
    if not fixes:
        return 0
    photos = []
    for action, resolved_at in fixes:
        site = action.site
        local = resolved_at.astimezone(site.tz)
        for n in range(action.criterion.photos_required):
            taken = local - dt.timedelta(minutes=12 - 3 * n)
            data = demo_photo(f"{site.code}/action/{action.pk}/{n}", captured=taken)
            photos.append(DemoPhoto(Target(site=site, action=action), local.date(), action.criterion_id, data,
                                    taken + dt.timedelta(minutes=1), action.daily_check.submitted_by))
    return len(_record(photos, index=trust.PhotoIndex.of_verified()))


def _record(photos: list[DemoPhoto], *, index: trust.PhotoIndex) -> list[Evidence]:
    """Inspect, store and record ``photos`` verified, as a confirmation records one (``verdicts``)."""
    made, keys, files, flagged, originals = [], [], [], [], {}
    for photo in photos:
        facts = images.inspect_photo(io.BytesIO(photo.data), declared_type="image/jpeg")
        public_id, key = new_key(photo.target, "image/jpeg")
        sha256 = hashlib.sha256(photo.data).hexdigest()
        evidence = Evidence(public_id=public_id, key=key, **photo.target.filter(), criterion_id=photo.criterion_id,
                            site=photo.target.site, day=photo.day, uploaded_by=photo.user,
                            declared_content_type="image/jpeg", declared_size=len(photo.data),
                            declared_sha256=sha256)
        evidence.created_at = photo.uploaded  # the order of two photos of one day (trust)
        copies = fill_verified(evidence, size=len(photo.data), sha256=sha256, facts=facts, index=index,
                               verified_at=photo.uploaded + dt.timedelta(seconds=2))
        if evidence.reused_from is not None and evidence.reused_from.pk is None:
            originals[id(evidence)] = evidence.reused_from  # in this batch: linked once it has its id
            evidence.reused_from = None
        index.add(evidence, facts.fingerprint.keys if facts.fingerprint else (), thumbnail=facts.thumbnail)
        keys += trust.photo_keys(evidence, facts.fingerprint)
        made.append(evidence)
        flagged.append(copies)
        files += [(key, io.BytesIO(photo.data), "image/jpeg"),
                  (thumbnail_key(key), io.BytesIO(facts.thumbnail), "image/jpeg")]
    storage.put_new_all(files)
    index.stored()
    try:
        Evidence.objects.bulk_create(made, batch_size=500)
        PhotoKey.objects.bulk_create(keys, batch_size=2000)  # each takes its photo's id, now that it has one
        for evidence, photo in zip(made, photos, strict=True):
            # created_at is set on insert (auto_now_add): the upload's time is written after it.
            evidence.created_at = photo.uploaded
            if id(evidence) in originals:
                evidence.reused_from = originals[id(evidence)]
        Evidence.objects.bulk_update(made, ["created_at", "reused_from"], batch_size=500)
        photo_days.photos_verified(made)
        for evidence, copies in zip(made, flagged, strict=True):
            flag_copies(evidence, copies)
    except Exception:
        for key, _, _ in files:  # nothing half-saved: no stored file without its record
            storage.delete(key)
        raise
    return made


def _existing_reused_photo() -> dict:
    """On a second run, the reusing site keeps sending the very photo it sent before."""
    first = (Evidence.objects.filter(site__code=REUSING_SITE, criterion__key=REUSED_CRITERION,
                                     status=Evidence.Status.VERIFIED).order_by("id").first())
    if first is None:
        return {}
    try:
        return {"data": storage.read_bytes(first.key, max_bytes=2 * 1024 * 1024)}
    except storage.ObjectMissing:
        return {}
