"""The labelled set that reuse detection (``consistency.services.reuse``) is measured and tested on.

Each ``Pair`` is two photos as phones send them (JPEG bytes, 1600 x 1200 or 1200 x 1600, with EXIF where a
camera writes it) and whether the second repeats the first:

- **reuse** kinds: the first photo given again after what people do to an old photo to pass it off as
  today's - re-encoded at another JPEG quality, resized, cropped (up to 10% of each dimension, at any edges),
  rotated by 90/180/270 degrees, mirrored, brightened or darkened (brightness and contrast within +-20%), or
  shown on a phone's screen and screenshotted (scaled, letterboxed, with the status bar and the viewer's
  buttons, saved as PNG and sent as JPEG). ``COMBINED_KINDS`` are two of these at once.
- **not-reuse** kinds: the same spot photographed again another day (the camera a step aside and held
  differently, other light, new sensor noise, small things moved: ``reshot``), two sites with the same fit-out
  (same layout and fixtures, other posters, products and things: ``near-identical``), and two unrelated rooms.

The photos are procedural scenes (``consistency.reuse_scenes``): no downloaded data, deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from .reuse_scenes import Scene, moved_camera, random_camera, render

REUSE_KINDS = ("re-encoded", "resized", "cropped", "rotated", "mirrored", "adjusted", "screenshot")
NOT_REUSE_KINDS = ("reshot", "near-identical", "unrelated")
COMBINED_KINDS = ("cropped+rotated", "cropped+mirrored", "resized+adjusted", "cropped+adjusted",
                  "screenshot+cropped")
MAX_CROP = 0.10  # of each dimension, at most, over both its edges
FITOUTS = 24  # a network's few fit-outs: pairs share them, so that photos of different pairs are near-identical too


@dataclass(frozen=True)
class Pair:
    kind: str
    reuse: bool
    first: bytes
    second: bytes
    note: str


def pairs(*, seed: int = 0, per_kind: int = 30, kinds: tuple[str, ...] = REUSE_KINDS + NOT_REUSE_KINDS) -> list[Pair]:
    """``per_kind`` pairs of each of ``kinds``, the same for the same seed."""
    return [_pair(kind, seed=seed, n=n) for kind in kinds for n in range(per_kind)]


def example(kind: str, *, seed: int = 0) -> Pair:
    """One pair of ``kind``."""
    return _pair(kind, seed=seed, n=0)


def _pair(kind: str, *, seed: int, n: int) -> Pair:
    if kind not in REUSE_KINDS + NOT_REUSE_KINDS + COMBINED_KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    rng = random.Random(f"{seed}/{kind}/{n}")
    size = (1600, 1200) if rng.random() < 0.75 else (1200, 1600)
    fitout = seed * FITOUTS + rng.randrange(FITOUTS)
    scene = Scene(fitout=fitout, site=rng.randrange(2**31), day=rng.randrange(2**31))
    cam = random_camera(rng, size=size)
    taken = dt.datetime(2026, 1, 1, 7) + dt.timedelta(days=rng.randrange(300), minutes=rng.randrange(600))
    first_pixels = render(scene, cam)
    first = _camera_jpeg(first_pixels, rng, taken)
    if kind == "reshot":
        day = Scene(scene.fitout, scene.site, rng.randrange(2**31))
        second = _camera_jpeg(render(day, moved_camera(rng, cam)), rng, taken + dt.timedelta(days=rng.randrange(1, 60)))
        return Pair(kind, False, first, second, "the same spot another day: camera moved, other light, things moved")
    if kind == "near-identical":
        other = Scene(scene.fitout, rng.randrange(2**31), rng.randrange(2**31))
        second = _camera_jpeg(render(other, moved_camera(rng, cam)), rng, taken + dt.timedelta(hours=rng.randrange(1, 90)))
        return Pair(kind, False, first, second, "another site with the same fit-out, from about the same spot")
    if kind == "unrelated":
        others = [f for f in range(seed * FITOUTS, (seed + 1) * FITOUTS) if f != fitout]
        other = Scene(rng.choice(others), rng.randrange(2**31), rng.randrange(2**31))
        second = _camera_jpeg(render(other, random_camera(rng, size=size)), rng, taken + dt.timedelta(days=1))
        return Pair(kind, False, first, second, "another room")
    im = Image.open(io.BytesIO(first))
    im.load()
    notes = []
    for step in kind.split("+"):
        im, note = _REUSE_STEPS[step](im, rng, n)
        notes.append(note)
    keep_exif = kind in ("re-encoded", "resized", "adjusted") and rng.random() < 0.5
    second = _jpeg(im, quality=rng.randrange(70, 93), exif=_exif(taken) if keep_exif else None)
    return Pair(kind, True, first, second, "; ".join(notes))


# --- what a phone does -------------------------------------------------------------------------------------

def _exif(taken: dt.datetime) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Phone", "Model X"
    exif[0x8769] = {0x9003: taken.strftime("%Y:%m:%d %H:%M:%S"), 0x9011: "+01:00"}
    return exif


def _jpeg(im: Image.Image, *, quality: int, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    im.convert("RGB").save(out, "JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def _camera_jpeg(pixels: np.ndarray, rng: random.Random, taken: dt.datetime) -> bytes:
    return _jpeg(Image.fromarray(pixels), quality=rng.randrange(85, 96), exif=_exif(taken))


# --- what people do to an old photo --------------------------------------------------------------------------

def _reencoded(im, rng, n):
    return im, "saved again at another JPEG quality"


def _resized(im, rng, n):
    f = rng.choice((0.5, 0.5, 0.4, 0.6, 0.75))
    return im.resize((round(im.width * f), round(im.height * f)), Image.Resampling.LANCZOS), f"resized to {f:.0%}"


def _cropped(im, rng, n):
    """Up to 10% of each dimension taken away, split between its two edges any way (all of it at one edge, too)."""
    w, h = im.size
    box = []
    for length in (w, h):
        cut = rng.uniform(0.03, MAX_CROP) * length
        first = cut * rng.choice((0.0, 1.0, rng.random()))
        box.append((round(first), round(length - (cut - first))))
    (left, right), (top, bottom) = box
    return im.crop((left, top, right, bottom)), (f"cropped to x {left}..{right} of {w}, y {top}..{bottom} of {h}")


def _rotated(im, rng, n):
    turn = (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)[n % 3]
    return im.transpose(turn), f"rotated by {(n % 3 + 1) * 90} degrees"


def _mirrored(im, rng, n):
    if n % 4 == 3:
        return im.transpose(Image.Transpose.FLIP_TOP_BOTTOM), "mirrored top to bottom"
    return im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), "mirrored left to right"


def _adjusted(im, rng, n):
    def change():
        return 1 + rng.choice((-1, 1)) * rng.uniform(0.05, 0.20)
    b, c = change(), change()
    im = ImageEnhance.Contrast(ImageEnhance.Brightness(im).enhance(b)).enhance(c)
    return im, f"brightness x{b:.2f}, contrast x{c:.2f}"


PHONES = ((1170, 2532), (1080, 2400), (1284, 2778), (1179, 2556))


def _screenshot(im, rng, n):
    """The photo open in a phone's photo viewer, screenshotted: fitted to the screen, letterboxed, the status bar
    and the viewer's buttons drawn around it, saved as PNG (then sent as JPEG)."""
    sw, sh = rng.choice(PHONES)
    if rng.random() < 0.25:
        sw, sh = sh, sw  # the phone held sideways
    dark = rng.random() < 0.7
    bg, fg = ((0, 0, 0), (255, 255, 255)) if dark else ((255, 255, 255), (0, 0, 0))
    screen = Image.new("RGB", (sw, sh), bg)
    bar = round(0.055 * max(sw, sh)) if sh > sw else round(0.04 * sh)
    tools = round(0.09 * max(sw, sh)) if sh > sw else round(0.08 * sh)
    room_w, room_h = sw, sh - bar - tools if sh > sw else sh
    scale = min(room_w / im.width, room_h / im.height)
    shown = im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.BICUBIC)
    x = (sw - shown.width) // 2
    y = (sh - shown.height) // 2
    screen.paste(shown, (x, y))
    draw = ImageDraw.Draw(screen)
    font = ImageFont.load_default(size=max(18, bar // 2))
    draw.text((round(0.08 * sw), bar // 4), f"{rng.randrange(7, 12)}:{rng.randrange(60):02d}", fill=fg, font=font)
    bx = sw - round(0.13 * sw)
    draw.rectangle((bx, bar // 3, bx + round(0.06 * sw), bar // 3 + bar // 3), outline=fg, width=3)
    draw.rectangle((bx + 4, bar // 3 + 4, bx + round(0.045 * sw), bar // 3 + bar // 3 - 4), fill=fg)
    for k in range(3):  # signal bars
        h = (k + 1) * bar // 10
        draw.rectangle((bx - 90 + k * 18, bar * 2 // 3 - h, bx - 78 + k * 18, bar * 2 // 3), fill=fg)
    if sh > sw:
        ty = sh - tools // 2
        for k, label in enumerate(("Share", "Edit", "Delete")):
            cx = round((k + 0.5) * sw / 3)
            draw.rounded_rectangle((cx - 40, ty - 40, cx + 40, ty + 40), radius=14, outline=fg, width=4)
            draw.text((cx - 30, ty + 48), label, fill=fg, font=ImageFont.load_default(size=22))
        draw.text((sw // 2 - 120, bar + 10), f"Today {rng.randrange(7, 12)}:{rng.randrange(60):02d}", fill=fg,
                  font=ImageFont.load_default(size=30))
    png = io.BytesIO()
    screen.save(png, "PNG")
    back = Image.open(io.BytesIO(png.getvalue()))
    back.load()
    return back.convert("RGB"), f"screenshot on a {sw} x {sh} screen, {'dark' if dark else 'light'} viewer"


_REUSE_STEPS = {"re-encoded": _reencoded, "resized": _resized, "cropped": _cropped, "rotated": _rotated,
                "mirrored": _mirrored, "adjusted": _adjusted, "screenshot": _screenshot}

