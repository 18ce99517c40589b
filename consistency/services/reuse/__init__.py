"""Was this photo given before, perhaps cropped, turned, mirrored, brightened or screenshotted?

Two stages (the contract the rest of Touchpoint relies on; the methods behind it may change):

1. **Candidates from an index.** ``fingerprint`` gives a photo's stored ``keys`` (256-bit hashes of some views of
   the picture) and the ``probes`` a new photo is searched with. ``band_keys`` cuts a hash into the values a GIN
   index holds (``PhotoKey.bands``): a stored key and a probe that share a band value are candidates, found
   without a scan. ``distance`` ranks them; at most ``MAX_CANDIDATES`` go on.
2. **A precise comparison** of the new photo with each candidate's report copy: ``compare`` answers a ``Match``
   (what kind of reuse, how strongly, in words) or None.

The views and the hash are in ``views`` (why they survive what they must), the comparison in ``verify``;
docs/reuse.md has the figures.

Keys: the whole picture (without a screenshot's frame) and up to three views anchored on pairs of its strongest
coarse blobs away from its edges. Probes: the whole picture's eight dihedral variants (turned, mirrored), the
anchored views of more of the new photo's blobs (the first ones also with the least certain bit of each band
flipped), and
the turned and mirrored variants of the view of its two strongest blobs (a crop that was also turned).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from . import views
from .verify import compare_images

HASH_BYTES = 32
BAND_BITS = 32
RADIUS = 48  # of 256 bits: two hashes of one view this close are very likely one picture. Not a filter: a shared
# band makes a candidate, and candidates are ranked by distance (a crop may share one band and differ in others)
MAX_CANDIDATES = 12

STORED_BLOBS = 4  # the strongest blobs away from the edges; the views of their first pairs (strongest first) ->
STORED_VIEWS = 3  # anchored keys: with the whole picture, 4 keys a photo
PROBE_BLOBS = 7  # -> up to 21 anchored probes in the photo's own orientation
FLIPPED_VIEWS = 12  # the first 12 of those again, the least certain bit of each band flipped
TURNED_BLOBS = 2  # -> the view of the two strongest blobs, in its 7 other orientations (a crop also turned)
MAX_PROBES = 48  # 8 + 21 + 12 + 7

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


def fingerprint(im: Image.Image) -> Fingerprint:
    """The keys stored for ``im`` and the probes it is searched with (see the module's docstring)."""
    g, _box = views.content(im)
    whole = views.dct_low(views.square(g))
    a = views.analysis(g)
    del g
    found = views.blobs(a)
    stored = views.anchored(a, views.strongest(found, a.shape, margin=views.STORED_MARGIN, count=STORED_BLOBS),
                            keep=STORED_VIEWS)
    probing = views.anchored(a, views.strongest(found, a.shape, margin=views.PROBE_MARGIN, count=PROBE_BLOBS))
    turning = views.anchored(a, views.strongest(found, a.shape, margin=views.PROBE_MARGIN, count=TURNED_BLOBS))
    del a
    keys = [views.sign_hash(whole)] + [views.bands_hash(b) for b in stored]
    probes = [views.sign_hash(c) for c in views.dihedral(whole)]
    probes += [views.bands_hash(b) for b in probing]
    probes += [views.bands_hash(b, flip_weakest=True) for b in probing[:FLIPPED_VIEWS]]
    for b in turning:
        turned = [views.dihedral(c) for c in b]
        probes += [views.bands_hash([t[i] for t in turned]) for i in range(1, 8)]
    probes = list(dict.fromkeys(probes))[:MAX_PROBES]
    return Fingerprint(keys=tuple(keys), probes=tuple(probes))


def band_keys(h: bytes) -> list[int]:
    """The hash cut into ``BAND_BITS``-bit bands, each tagged with its position so that equal values at two
    positions are different keys. Values stay below 2**63 (a PostgreSQL bigint): position < 8, 32 bits."""
    step = BAND_BITS // 8
    return [(i << BAND_BITS) | int.from_bytes(h[i * step:(i + 1) * step], "big")
            for i in range(len(h) // step)]


def distance(a: bytes, b: bytes) -> int:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def compare(new_im: Image.Image, old_im: Image.Image) -> Match | None:
    """Whether ``new_im`` repeats ``old_im`` (both upright report copies): local features matched, one
    geometric transform of the kinds people apply (a scale, a shift, a quarter turn, a mirror) fitted to them,
    and the two pictures compared pixel by pixel where they overlap once aligned (``verify``)."""
    found = compare_images(new_im, old_im)
    if found is None:
        return None
    return Match(kind=found.kind, score=found.score, detail=found.detail)
