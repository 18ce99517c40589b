"""The bench's photos: procedural scenes (a room of shapes, texture and sensor noise) made from a seed, and what a
person does to one to give it again (``altered``). Their fingerprints are the real ones (``reuse.fingerprint`` on the
report copy ``images.inspect_photo`` makes), so the probes timed are those a confirmation searches with."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

SIZE = (1600, 1200)


def scene(seed: int) -> Image.Image:
    rng = random.Random(seed)
    w, h = SIZE
    im = Image.new("RGB", SIZE, tuple(rng.randrange(60, 220) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(40):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        box = [x0, y0, min(w, x0 + rng.randrange(40, 600)), min(h, y0 + rng.randrange(40, 450))]
        (draw.ellipse if rng.random() < 0.4 else draw.rectangle)(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(200):  # small detail: tiles, labels
        x0, y0 = rng.randrange(w), rng.randrange(h)
        draw.line([x0, y0, x0 + rng.randrange(-80, 80), y0 + rng.randrange(-80, 80)],
                  fill=tuple(rng.randrange(256) for _ in range(3)), width=rng.randrange(1, 5))
    noise = np.random.default_rng(seed).normal(0, 6, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(im, dtype=np.float32) + noise, 0, 255).astype(np.uint8))


ALTERATIONS = ("re-encoded", "cropped", "rotated", "mirrored", "adjusted")


def altered(im: Image.Image, how: str, seed: int) -> Image.Image:
    rng = random.Random(seed)
    if how == "cropped":
        w, h = im.size
        return im.crop((int(w * rng.uniform(0, 0.05)), int(h * rng.uniform(0, 0.05)),
                        int(w * (1 - rng.uniform(0, 0.05))), int(h * (1 - rng.uniform(0, 0.05)))))
    if how == "rotated":
        return im.rotate(rng.choice((90, 180, 270)), expand=True)
    if how == "mirrored":
        return ImageOps.mirror(im)
    if how == "adjusted":
        return ImageEnhance.Contrast(ImageEnhance.Brightness(im).enhance(rng.uniform(0.85, 1.15))).enhance(1.1)
    return im.resize((im.width // 2, im.height // 2))


def jpeg(im: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality)
    return out.getvalue()


def fingerprint(data: bytes):
    """The fingerprint a confirmation computes for these bytes (``images.inspect_photo``)."""
    from consistency.services import images

    return images.inspect_photo(io.BytesIO(data), declared_type="image/jpeg").fingerprint
