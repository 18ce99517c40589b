"""Memory while a HEIC is inspected. libheif has no reduced-scale decode (a JPEG has libjpeg's DCT scaling): every
pixel is decoded, so the peak grows with the pixel count and MAX_HEIC_PIXELS bounds it. What the code adds on top
of the decode must not grow with it: the report copy is made from a reduced image (``images._shrink``), never from
a full-size conversion or copy. bench/heic measures 12 and 24 Mpx photos."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from pathlib import Path

import pillow_heif
from django.conf import settings
from PIL import Image, ImageDraw

from .heic_factories import grid_tiles

ROOT = Path(__file__).resolve().parents[2]
MEASURE = ("import sys, django; django.setup()\n"
           "from consistency.services import images\n"
           "status = lambda f: next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith(f + ':'))\n"
           "data = open(sys.argv[1], 'rb')\n"
           "open('/proc/self/clear_refs', 'w').write('5'); before = status('VmRSS')\n"
           "facts = images.inspect_photo(data, declared_type='image/heic')\n"
           "print(facts.width * facts.height, (status('VmHWM') - before) * 1024)")


def scene(width: int, height: int, path: Path) -> Path:
    im = Image.new("RGB", (width, height), (180, 190, 200))
    draw, rng = ImageDraw.Draw(im), random.Random(1)
    for _ in range(200):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.rectangle([x, y, x + rng.randrange(50, 600), y + rng.randrange(50, 600)],
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    with grid_tiles(512):  # as an iPhone tiles it; the fastest encoder preset, for the test's time
        pillow_heif.from_pillow(im).save(out, quality=60, enc_params={"preset": "ultrafast"})
    path.write_bytes(out.getvalue())
    return path


def peak(path: Path) -> tuple[int, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "backend.settings.test"}
    runs = [tuple(map(int, subprocess.run([sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, env=env, check=True,
                                          capture_output=True, text=True).stdout.split())) for _ in range(2)]
    return min(runs)


def test_inspecting_a_heic_grows_by_the_decode_alone_and_is_bounded_by_the_pixel_limit(tmp_path):
    small_px, small = peak(scene(1600, 1200, tmp_path / "small.heic"))
    large_px, large = peak(scene(3200, 2400, tmp_path / "large.heic"))
    per_pixel = (large - small) / (large_px - small_px)
    # libheif's RGB (3 bytes a pixel) and Pillow's copy of it (4): 7. A full-size conversion or copy for the report
    # copy would add 4 more.
    assert per_pixel < 9, f"{per_pixel:.1f} bytes a pixel"
    at_the_limit = large + per_pixel * (settings.MAX_HEIC_PIXELS - large_px)
    assert at_the_limit < 260 * 2**20, f"a HEIC at MAX_HEIC_PIXELS would take {at_the_limit / 2**20:.0f} MB"
