"""Was this photo given before, perhaps cropped, turned, mirrored, brightened or screenshotted?

Two stages (the contract the rest of Touchpoint relies on; the methods behind it may change):

1. **Candidates from an index.** ``fingerprint`` gives a photo's stored ``keys`` (256-bit hashes of some views of
   the picture) and the ``probes`` a new photo is searched with (for instance the eight dihedral variants of
   its views). ``band_keys`` cuts a hash into the values a GIN index holds (``PhotoKey.bands``): a stored key
   and a probe that share a band value are candidates, found without a scan. ``distance`` ranks them; at
   most ``MAX_CANDIDATES`` go on.
2. **A precise comparison** of the new photo with each candidate's report copy: ``compare`` answers a ``Match``
   (what kind of reuse, how strongly, in words) or None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image

HASH_BYTES = 32
BAND_BITS = 32
RADIUS = 31  # PDQ's own recommended match distance, of 256 bits
MAX_CANDIDATES = 12

HASHED_PX = 224  # long side of the copy hashed: PDQ reduces to 64 x 64 anyway, and its float buffers (~27 bytes a
# pixel) of an 800 px copy would hold 13 MB of heap during a confirmation

KINDS = ("identical", "re-encoded", "cropped", "rotated", "mirrored", "adjusted", "screenshot")


@dataclass(frozen=True)
class Fingerprint:
    keys: tuple[bytes, ...]  # stored: PhotoKey(view=i, hash=keys[i])
    probes: tuple[bytes, ...]  # searched with


@dataclass(frozen=True)
class Match:
    kind: str  # one of KINDS
    score: float  # 0..1, how strongly
    detail: str  # in words, for the flag


def _pdq(im: Image.Image) -> list[bytes]:
    """The eight dihedral PDQ hashes of ``im`` (the first is the picture as it is)."""
    small = im.convert("RGB")
    small.thumbnail((HASHED_PX, HASHED_PX), Image.Resampling.BILINEAR)
    pixels = np.asarray(small)
    hashes, _quality = pdqhash.compute_dihedral(pixels)
    return [np.packbits(np.asarray(h, dtype=np.uint8)).tobytes() for h in hashes]


def fingerprint(im: Image.Image) -> Fingerprint:
    dihedral = _pdq(im)
    return Fingerprint(keys=(dihedral[0],), probes=tuple(dihedral))


def band_keys(h: bytes) -> list[int]:
    """The hash cut into ``BAND_BITS``-bit bands, each tagged with its position so that equal values at two
    positions are different keys."""
    step = BAND_BITS // 8
    return [(i << BAND_BITS) | int.from_bytes(h[i * step:(i + 1) * step], "big")
            for i in range(len(h) // step)]


def distance(a: bytes, b: bytes) -> int:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def compare(new: Image.Image, old: Image.Image) -> Match | None:
    """Whether ``new`` repeats ``old`` (both upright report copies)."""
    probes = _pdq(new)
    key = _pdq(old)[0]
    best = min(range(len(probes)), key=lambda i: distance(probes[i], key))
    d = distance(probes[best], key)
    if d > RADIUS:
        return None
    kind = "re-encoded" if best == 0 else ("rotated" if best in (1, 2, 3) else "mirrored")
    return Match(kind=kind, score=round(1 - d / 256, 3), detail=f"PDQ hashes {d} of 256 bits apart")
