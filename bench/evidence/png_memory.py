"""Peak memory of inspecting a large PNG, shipped code against a baseline in the same run.

    .venv/bin/python bench/evidence/png_memory.py        (prints a Markdown table; ~20 s)

A PNG cannot be decoded at reduced scale as a JPEG can, so every pixel is held once (MAX_PNG_PIXELS, 16 Mpx
by default, bounds that). The baseline converts the full-size decode to RGB(A) for the report copy, as the
code did before; the shipped code reduces the decode first (``images._shrink``). Each figure is the growth of
a fresh process's peak RSS (VmHWM) over one ``inspect_photo``, median of 3.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
MEASURE = """
import sys, django
django.setup()
from consistency.services import images
if sys.argv[3] == "baseline":
    images._shrink = lambda im: im
def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))
with open("/proc/self/clear_refs", "w") as f:  # the peak (VmHWM) restarts from the current RSS
    f.write("5")
before = status("VmRSS")
with open(sys.argv[1], "rb") as f:
    images.inspect_photo(f, declared_type=sys.argv[2])
print((status("VmHWM") - before) / 1024)
"""


def peak_mb(path: Path, content_type: str, variant: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "backend.settings.test"}
    runs = [float(subprocess.run([sys.executable, "-c", MEASURE, str(path), content_type, variant], env=env, cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.split()[-1]) for _ in range(3)]
    return statistics.median(runs)


def main() -> None:
    side = 4000  # 16 Mpx: the PNG limit
    im = Image.new("RGB", (side, side), (200, 200, 200))
    draw, rng = ImageDraw.Draw(im), random.Random(1)
    for _ in range(200):
        x, y = rng.randrange(side), rng.randrange(side)
        draw.rectangle([x, y, x + 300, y + 300], fill=(rng.randrange(256), 0, 0))
    with tempfile.TemporaryDirectory() as tmp:
        files = {"palette PNG": (Path(tmp) / "p.png", "image/png"), "RGB PNG": (Path(tmp) / "rgb.png", "image/png"),
                 "RGBA PNG": (Path(tmp) / "rgba.png", "image/png"), "JPEG (for comparison)": (Path(tmp) / "j.jpg",
                                                                                             "image/jpeg")}
        im.convert("P").save(files["palette PNG"][0])
        im.save(files["RGB PNG"][0])
        im.convert("RGBA").save(files["RGBA PNG"][0])
        im.save(files["JPEG (for comparison)"][0], quality=80)
        print(f"{side} x {side} px; peak RSS growth of one inspection, median of 3 fresh processes\n")
        print("| file | size | baseline: convert at full size | shipped: reduce first | ratio |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, (path, content_type) in files.items():
            base, shipped = peak_mb(path, content_type, "baseline"), peak_mb(path, content_type, "shipped")
            print(f"| {name} | {path.stat().st_size // 1024:,} KB | {base:.0f} MB | {shipped:.0f} MB | "
                  f"{shipped / base:.2f}x |")


if __name__ == "__main__":
    main()
