"""Reference photos for the demo: a drawn picture of what "right" looks like for each criterion of the demo
standard that requires photos, put as head office would (``reference_photos.reference_photo_put``: the same
image checks, the same storage). Deterministic: the same picture every run. Safe to run twice: a criterion that
has a reference photo keeps it."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from .models import Criterion, ReferencePhoto, VersionStatus
from .services import reference_photos

SIZE = (640, 480)
CAPTIONS = {
    "uniform_worn": "Full uniform: shirt tucked in, name tag on the left, clean apron.",
    "reception_area_tidy": "Counter clear, brochures in the rack, nothing on the floor.",
    "restroom_cleanliness": "Basins dry, mirror without smears, bin emptied, paper stocked.",
    "windows_clean": "Glass clear edge to edge, no streaks, sills wiped.",
    "delivery_vehicle_clean": "Body washed, logo fully visible, nothing on the dashboard.",
}


def _scene(key: str) -> bytes:
    """A simple drawing of the criterion's subject (tiles and a basin, a figure in uniform, window panes...)."""
    rng = random.Random(f"reference/{key}")
    w, h = SIZE
    im = Image.new("RGB", SIZE, (236, 240, 244))
    d = ImageDraw.Draw(im)
    if "restroom" in key:
        for x in range(0, w, 40):
            for y in range(0, h, 40):
                d.rectangle([x, y, x + 38, y + 38], fill=(246, 248, 250), outline=(200, 208, 216))
        d.rectangle([220, 60, 420, 200], fill=(210, 230, 245), outline=(120, 140, 160), width=4)  # mirror
        d.ellipse([230, 260, 410, 330], fill=(255, 255, 255), outline=(120, 140, 160), width=4)  # basin
        d.rectangle([300, 240, 340, 262], fill=(160, 170, 180))  # tap
    elif "uniform" in key:
        d.ellipse([280, 60, 360, 140], fill=(233, 196, 160))  # head
        d.rectangle([250, 140, 390, 330], fill=(31, 58, 95))  # shirt
        d.rectangle([270, 200, 370, 400], fill=(240, 240, 240))  # apron
        d.rectangle([262, 160, 300, 180], fill=(255, 215, 0))  # name tag
        d.rectangle([260, 330, 300, 450], fill=(40, 40, 40))
        d.rectangle([340, 330, 380, 450], fill=(40, 40, 40))
    elif "window" in key:
        d.rectangle([80, 60, 560, 420], fill=(150, 110, 80))
        for x in (100, 330):
            for y in (80, 250):
                d.rectangle([x, y, x + 210, y + 150], fill=(190, 225, 250))
                d.line([x + 20, y + 130, x + 60, y + 20], fill=(235, 245, 255), width=6)  # reflection
    elif "vehicle" in key:
        d.rectangle([0, 360, w, h], fill=(120, 120, 120))
        d.rectangle([90, 180, 470, 360], fill=(250, 250, 250), outline=(60, 60, 60), width=3)
        d.rectangle([470, 230, 570, 360], fill=(250, 250, 250), outline=(60, 60, 60), width=3)
        d.rectangle([490, 245, 555, 295], fill=(190, 225, 250))
        d.ellipse([150, 320, 230, 400], fill=(30, 30, 30))
        d.ellipse([440, 320, 520, 400], fill=(30, 30, 30))
        d.rectangle([150, 230, 400, 300], fill=(31, 58, 95))  # the brand's panel
    else:  # the reception desk
        d.rectangle([0, 330, w, h], fill=(200, 190, 170))
        d.rectangle([120, 220, 520, 340], fill=(110, 80, 60))
        d.rectangle([440, 120, 500, 220], fill=(31, 58, 95))  # brochure rack
        for i in range(3):
            d.rectangle([446, 128 + 30 * i, 494, 150 + 30 * i], fill=(rng.randrange(150, 255), 200, 120))
    d.rectangle([0, 0, w, 34], fill=(30, 107, 58))
    d.text((12, 10), "REFERENCE: what right looks like", fill=(255, 255, 255))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed_reference_photos() -> int:
    """Put a reference photo on every photo criterion of the released demo standard that has none; how many."""
    keys = sorted(set(Criterion.objects.filter(photos_required__gt=0).exclude(version__status=VersionStatus.DRAFT)
                      .values_list("key", flat=True)))
    have = set(ReferencePhoto.objects.filter(replaced_at__isnull=True).values_list("criterion_key", flat=True))
    made = 0
    for key in keys:
        if key in have:
            continue
        data = _scene(key)
        reference_photos.reference_photo_put(user=None, criterion_key=key, file=io.BytesIO(data), size=len(data),
                                             content_type="image/jpeg", caption=CAPTIONS.get(key, ""))
        made += 1
    return made
