"""Measures the capture checks' thresholds on generated photos, through the product's own inspection.

Photo-like scenes (a textured wall, objects, printed text, a light gradient, sensor noise) at 2016 x 1512, saved
as JPEG, each in variants: sharp; out of focus (Gaussian blur, sigma 3, 6 and 12 px at full size: on a 12 MP phone
photo, 6 px is a missed focus); shaken (a 25 and 50 px motion blur); dark (exposure x0.12 and x0.2, with the
noise a phone adds when it lifts a dark frame); dim but readable (x0.45); a white wall (almost no detail, sharp).
Every one goes through ``images.inspect_photo`` (the thumbnail, the sharpness and the brightness the product
stores), and the figures are the product's flags with the settings' thresholds. The C2PA read's cost is timed
on the same photos (with and without a manifest) against the inspection without it.

    bench/run.sh capture       (writes bench/RESULTS-capture.md)
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

import django
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")
django.setup()

from django.conf import settings  # noqa: E402

from consistency.services import capture, images  # noqa: E402

SIZE = (2016, 1512)
SCENES = int(os.environ.get("CAPTURE_BENCH_SCENES", "40"))
OUT = Path(__file__).resolve().parents[1] / "RESULTS-capture.md"


def scene(seed: int) -> Image.Image:
    rng = random.Random(seed)
    w, h = SIZE
    base = np.array([rng.randrange(70, 200) for _ in range(3)], dtype=np.float32)
    npr = np.random.default_rng(seed)
    # A wall or floor with texture: low-frequency blotches and fine grain.
    blotch = np.asarray(Image.fromarray(npr.integers(0, 255, (h // 48, w // 48), dtype=np.uint8)).resize(
        (w, h), Image.Resampling.BICUBIC), dtype=np.float32)[..., None]
    grain = npr.normal(0, 6, (h, w, 1)).astype(np.float32)
    pixels = base + (blotch - 128) * 0.25 + grain
    im = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    for _ in range(rng.randrange(6, 14)):  # objects
        x0, y0 = rng.randrange(w), rng.randrange(h)
        box = [x0, y0, min(w, x0 + rng.randrange(120, 700)), min(h, y0 + rng.randrange(120, 600))]
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.4 else draw.rectangle)(box, fill=colour, outline=(20, 20, 20), width=4)
    for _ in range(rng.randrange(2, 6)):  # a notice, a label: lines of small text
        x0, y0 = rng.randrange(w - 400), rng.randrange(h - 200)
        for line in range(6):
            draw.text((x0, y0 + line * 22), "".join(rng.choice("ABCDEFGH abcdefgh 0123") for _ in range(30)),
                      fill=(10, 10, 10))
    # Light falling off across the frame, as a room's does.
    ramp = np.linspace(1.1, 0.75, w, dtype=np.float32)[None, :, None]
    return Image.fromarray(np.clip(np.asarray(im, dtype=np.float32) * ramp, 0, 255).astype(np.uint8))


def motion(im: Image.Image, length: int, diagonal: bool = False) -> Image.Image:
    import cv2

    kernel = np.zeros((length, length), dtype=np.float32)
    if diagonal:
        np.fill_diagonal(kernel, 1.0 / length)
    else:
        kernel[length // 2, :] = 1.0 / length
    return Image.fromarray(cv2.filter2D(np.asarray(im), -1, kernel))


def exposure(im: Image.Image, factor: float, seed: int) -> Image.Image:
    # A phone lifting a dark frame adds noise: a sensor's, scaled with the gain.
    noise = np.random.default_rng(seed).normal(0, 3.0, (im.height, im.width, 3))
    return Image.fromarray(np.clip(np.asarray(im, dtype=np.float32) * factor + noise, 0, 255).astype(np.uint8))


def white_wall(seed: int) -> Image.Image:
    npr = np.random.default_rng(seed)
    grain = npr.normal(0, 2.5, (SIZE[1], SIZE[0], 1))
    ramp = np.linspace(235, 200, SIZE[0])[None, :, None]
    return Image.fromarray(np.clip(np.repeat(ramp + grain, 3, axis=2), 0, 255).astype(np.uint8))


VARIANTS = {
    "sharp": (lambda im, s: im, ""),
    "white wall (sharp)": (lambda im, s: white_wall(s), ""),
    "dim, readable (x0.45)": (lambda im, s: exposure(im, 0.45, s), ""),
    "out of focus, sigma 2 px (slight)": (lambda im, s: im.filter(ImageFilter.GaussianBlur(2)), ""),
    "out of focus, sigma 4 px": (lambda im, s: im.filter(ImageFilter.GaussianBlur(4)), "blurred"),
    "out of focus, sigma 6 px": (lambda im, s: im.filter(ImageFilter.GaussianBlur(6)), "blurred"),
    "out of focus, sigma 12 px": (lambda im, s: im.filter(ImageFilter.GaussianBlur(12)), "blurred"),
    "shaken, 25 px": (lambda im, s: motion(im, 25), "blurred"),
    "shaken, 50 px": (lambda im, s: motion(im, 50), "blurred"),
    "shaken diagonally, 35 px": (lambda im, s: motion(im, 35, diagonal=True), "blurred"),
    "shaken, 10 px (slight)": (lambda im, s: motion(im, 10), ""),
    "dark (x0.2)": (lambda im, s: exposure(im, 0.2, s), "dark"),
    "dark (x0.12)": (lambda im, s: exposure(im, 0.12, s), "dark"),
}


def jpeg(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


def _margins(rows: dict) -> list[str]:
    """Where the thresholds sit between the photos that must pass and those that must be flagged."""
    def extreme(pick, expected, index, skip=()):
        return pick(r[index] for name, (_, flag) in VARIANTS.items() if flag == expected and name not in skip
                    for r in rows[name])

    wall = "white wall (sharp)"
    blurred_max, readable_min = extreme(max, "blurred", 0), extreme(min, "", 0, skip=(wall,))
    dark_max, lit_min = extreme(max, "dark", 1), extreme(min, "", 1)
    return [f"The blur threshold ({settings.PHOTO_BLUR_VARIANCE:g}) sits between the sharpest blurred or shaken photo "
            f"({blurred_max:.0f}) and the least sharp photo that shows its scene ({readable_min:.0f}: slightly soft, "
            f"slightly shaken or dim); the darkness threshold ({settings.PHOTO_DARK_LUMINANCE:g}) between the "
            f"brightest dark photo ({dark_max:.0f}) and the dimmest readable one ({lit_min:.0f}). The margins are "
            "narrow: the variance of the Laplacian grows with contrast, so a dim photo measures less sharp than the "
            "same scene well lit. A featureless scene (a white wall) has nothing to be sharp about and is flagged "
            "blurred: a known false flag, which a reviewer clears (the photo still counts)."]


def _signed_read_times(count: int = 10) -> list[float]:
    """Reading the credentials of photos signed as a C2PA camera signs them (tests/capture/photos.py's chain)."""
    from tests.capture.photos import c2pa_signed

    times = []
    for seed in range(count):
        data = c2pa_signed(jpeg(scene(1000 + seed)))
        started = time.perf_counter()
        found = capture.read_credentials(io.BytesIO(data), "image/jpeg")
        times.append(time.perf_counter() - started)
        assert found and found["valid"], found
    return times


def main() -> None:
    rows: dict[str, list[tuple[float, float, str]]] = {name: [] for name in VARIANTS}
    timing = {"inspect": [], "credentials": []}
    for seed in range(SCENES):
        original = scene(seed)
        for name, (make, _) in VARIANTS.items():
            data = jpeg(make(original, seed))
            started = time.perf_counter()
            facts = images.inspect_photo(io.BytesIO(data), declared_type="image/jpeg")
            timing["inspect"].append(time.perf_counter() - started)
            started = time.perf_counter()
            capture.read_credentials(io.BytesIO(data), "image/jpeg")
            timing["credentials"].append(time.perf_counter() - started)
            rows[name].append((facts.sharpness, facts.brightness, capture.quality_issue(facts.sharpness,
                                                                                         facts.brightness)))
    lines = ["# Capture checks: the blur and darkness thresholds", "",
             f"{SCENES} generated scenes x {len(VARIANTS)} variants, {SIZE[0]} x {SIZE[1]} JPEG (quality 90), each "
             "through `images.inspect_photo` (bench/capture/measure.py). Sharpness: the variance of the Laplacian of "
             "the report copy in grey at 512 px, along its weakest direction; brightness: its mean luminance. "
             "Thresholds in force: "
             f"`PHOTO_BLUR_VARIANCE` = {settings.PHOTO_BLUR_VARIANCE:g}, `PHOTO_DARK_LUMINANCE` = "
             f"{settings.PHOTO_DARK_LUMINANCE:g}.", "",
             "| variant | expected flag | sharpness min / median / max | brightness min / median / max | flagged as expected |",
             "| --- | --- | --- | --- | --- |"]
    for name, (_, expected) in VARIANTS.items():
        got = rows[name]
        sharp = sorted(r[0] for r in got)
        bright = sorted(r[1] for r in got)
        right = sum(1 for r in got if r[2] == expected)
        lines.append(f"| {name} | {expected or 'none'} | {sharp[0]:.0f} / {statistics.median(sharp):.0f} / "
                     f"{sharp[-1]:.0f} | {bright[0]:.0f} / {statistics.median(bright):.0f} / {bright[-1]:.0f} | "
                     f"{right} of {len(got)} |")
    lines += ["", *_margins(rows)]
    signed_times = _signed_read_times()
    base = statistics.median(timing["inspect"])
    cred = statistics.median(timing["credentials"])
    signed = statistics.median(signed_times)
    lines += ["", "Cost of reading C2PA content credentials (`capture.read_credentials`, on the same photos), against the "
              f"whole inspection of the photo (the baseline, {base * 1000:.0f} ms at the median in this run):", "",
              "| photo | median | ratio to the inspection |", "| --- | --- | --- |",
              f"| without credentials ({len(timing['credentials'])} photos) | {cred * 1000:.2f} ms | {cred / base:.3f} |",
              f"| signed, ES256 manifest ({len(signed_times)} photos) | {signed * 1000:.1f} ms | {signed / base:.3f} |",
              ""]
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
