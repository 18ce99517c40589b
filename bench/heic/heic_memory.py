"""Peak memory and time of inspecting a HEIC (``images.inspect_photo``), against the same picture as a JPEG in the
same run.

    bench/run.sh heic        (writes bench/RESULTS-heic.md; ~2 min)

A JPEG is decoded at reduced scale (libjpeg's DCT scaling), a HEIC in full: libheif has no scaled decode of HEVC.
The pictures are phone-sized (12 Mpx, 4032 x 3024, what most phones take; 24 Mpx, 5712 x 4284, the default of
iPhones 15 and later), HEVC-coded in 512 px tiles assembled by a grid as an iPhone writes them. Each figure is the
growth of a fresh process's peak RSS (VmHWM) over one inspection, and that inspection's wall time, median of 3.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pillow_heif
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "RESULTS-heic.md"
MEASURE = """
import sys, time, django
django.setup()
from consistency.services import images
def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))
with open(sys.argv[1], "rb") as f:
    with open("/proc/self/clear_refs", "w") as refs:  # the peak (VmHWM) restarts from the current RSS
        refs.write("5")
    before, started = status("VmRSS"), time.perf_counter()
    images.inspect_photo(f, declared_type=sys.argv[2])
    print((status("VmHWM") - before) / 1024, time.perf_counter() - started)
"""
NOTE = """A JPEG is decoded at 1/8 scale and stays near 25 MB whatever its size. A HEIC is decoded whole: its peak is
about 20 MB, plus the file (pillow-heif reads it whole; at most MAX_PHOTO_BYTES, 15 MB; these noisy test
pictures are far larger than a phone's 2-4 MB), plus 7 bytes a pixel (libheif's RGB, 3, and Pillow's copy, 4;
the copy is reduced before anything converts it, `images._shrink`). `MAX_HEIC_PIXELS` (25 Mpx) bounds it near
210 MB: it takes the 24 Mpx photos iPhones 15 and later shoot by default, and refuses 48 Mpx "HEIF Max" ones
with a message saying so (their decode would hold ~370 MB in a web process). tests/heic/test_heic_memory.py
pins the bytes a pixel. The time is libde265's decode of every tile (two threads), paid once, at confirmation."""
SIZES = {"12 Mpx": (4032, 3024), "24 Mpx": (5712, 4284)}


def picture(width: int, height: int) -> Image.Image:
    """A scene with edges and grain, so that both codecs have work to do."""
    im = Image.new("RGB", (width, height), (180, 190, 200))
    draw, rng = ImageDraw.Draw(im), random.Random(1)
    for _ in range(300):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.rectangle([x, y, x + rng.randrange(50, 600), y + rng.randrange(50, 600)],
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    noise = Image.merge("RGB", [Image.effect_noise((width, height), 40)] * 3)
    return Image.blend(im, noise, 0.15)


def measure(path: Path, content_type: str) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "backend.settings.test"}
    runs = [tuple(map(float, subprocess.run([sys.executable, "-c", MEASURE, str(path), content_type], env=env,
                                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()))
            for _ in range(3)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    pillow_heif.register_heif_opener()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (width, height) in SIZES.items():
            im = picture(width, height)
            jpeg, heic = Path(tmp) / "p.jpg", Path(tmp) / "p.heic"
            im.save(jpeg, "JPEG", quality=90)
            before = pillow_heif.options.GRID_TILE_SIZE
            pillow_heif.options.GRID_TILE_SIZE = 512
            out = io.BytesIO()
            # The encoder's fastest preset, for the bench's time: the decoder's work is the same kind.
            pillow_heif.from_pillow(im).save(out, quality=80, enc_params={"preset": "ultrafast"})
            pillow_heif.options.GRID_TILE_SIZE = before
            heic.write_bytes(out.getvalue())
            (jpeg_mb, jpeg_s), (heic_mb, heic_s) = measure(jpeg, "image/jpeg"), measure(heic, "image/heic")
            pixels = width * height
            rows.append(f"| {name} ({width} x {height}) | {jpeg.stat().st_size / 1e6:.1f} / {heic.stat().st_size / 1e6:.1f}"
                        f" | {jpeg_mb:.0f} | {heic_mb:.0f} | {heic_mb / jpeg_mb:.1f}x | {heic_mb * 2**20 / pixels:.1f}"
                        f" | {jpeg_s:.2f} | {heic_s:.2f} | {heic_s / jpeg_s:.1f}x |")
    RESULTS.write_text("\n".join([
        "## heic", "",
        "Inspecting a photo (`images.inspect_photo`: structure walk, pixel limits, decode, report copy, hashes), a",
        "HEIC against the same picture as a JPEG in the same run: growth of a fresh process's peak RSS, and wall",
        f"time, median of 3 (`bench/run.sh heic`; {os.cpu_count()} cores shared with other work).", "",
        "| photo | file MB (JPEG / HEIC) | JPEG peak MB | HEIC peak MB | HEIC / JPEG | HEIC bytes a pixel | JPEG s |"
        " HEIC s | HEIC / JPEG |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |", *rows, "",
        *NOTE.splitlines(), ""]))
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
