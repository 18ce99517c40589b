"""The views of a photo that reuse detection hashes, and the hash.

**The picture without its frame.** A screenshot shows the photo letterboxed on a black or white screen with the
phone's status bar and the viewer's buttons around it. ``content_box`` finds the photo inside: the longest run
of rows (then columns) that are not mostly the screen's flat colour, kept only when the bands it removes touch
the edges and are mostly flat. An ordinary photo has no such bands and is kept whole.

**The hash** (``dct_hash``): the view reduced to 64 x 64 grey levels, its 2-D DCT, and the signs of the 256
lowest-frequency coefficients (the DC term left out) in zig-zag order - so the first 32-bit band holds the
coarsest, most robust structure. Signs, not a median threshold, so that a brightness or contrast change keeps
every bit, and so that the hashes of the picture turned or mirrored (the dihedral variants) are exact bit
permutations and sign flips of one DCT: no second pass over the pixels.

**Anchored views, for crops.** Hashes of the whole picture do not survive a crop of a few percent (published
figures and ours: PDQ and pHash move by 60-120 of 256 bits). A crop keeps what is inside, so the views that
survive it are anchored on the content, not on the frame: the strongest blobs of a difference of Gaussians
(sigma 1.8% of the long side), located to a fraction of a pixel, and for a pair of them squares centred between
them at eight sizes (0.55 to 1.25 times their distance), the same two blobs found in a cropped, resized or
screenshotted copy giving the same squares whatever the frame did. Each square is reduced to 16 x 16 and gives
one 32-bit band: the signs of its 32 lowest DCT coefficients. A band must match exactly to make a candidate;
coarse signs at eight sizes are eight chances, and a blob found a pixel away in the copy (near a cut edge)
rarely changes them all. A photo stores the views of its strongest blobs away from its edges (a crop may take up
to 10% of each); a new photo probes with the views of more of its blobs, nearer its edges too.
"""

from __future__ import annotations

import itertools
from functools import cache

import cv2
import numpy as np
from PIL import Image

TRIM_PX = 400  # long side of the copy the frame is looked for on
ANALYSIS_PX = 256  # long side of the content the blobs are found on
SIDE = 64  # a view is reduced to SIDE x SIDE before its DCT
BLOB_SIGMA = 0.018  # of the long side: coarse enough for re-encoding and resizing to keep, fine enough to
# locate well (a blob's position error is the view's misalignment)
STORED_MARGIN = 0.12  # blobs this near an edge of a stored photo may be cropped away in a copy
PROBE_MARGIN = 0.03  # a new photo's blobs nearer its edges are unreliable (the DoG sees the frame)
MIN_SPAN = 0.12  # two blobs closer than this (of the long side) give too small a view to trust
SUB = 16  # side of the view of one band of an anchored key
BAND_SCALES = (0.55, 0.65, 0.75, 0.85, 0.95, 1.05, 1.15, 1.25)  # its side, of the blobs' distance, band by band


def content_box(im: Image.Image) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1), as fractions of ``im``: the picture without letterbox bands."""
    g = im.convert("L")
    g.thumbnail((TRIM_PX, TRIM_PX), Image.Resampling.BOX)
    a = np.asarray(g)
    h, w = a.shape
    whole = (0.0, 0.0, 1.0, 1.0)
    screen = int(np.median(np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])))
    if 16 < screen < 239:  # photo viewers show a photo on black or white; a photo's own edge is neither
        return whole
    flat = cv2.inRange(a, max(0, screen - 6), min(255, screen + 6))  # 255 where the screen's colour
    del a
    # Letterboxed (bands above and below) or pillarboxed (bands left and right, the phone held sideways): the
    # bands of one direction first, then the other within what is left.
    for axis in (1, 0):
        box = _unframed(flat, axis)
        if box is not None:
            return box
    return whole


def _unframed(flat: np.ndarray, axis: int) -> tuple[float, float, float, float] | None:
    """The box left once the flat bands across ``axis`` (1: rows, 0: columns), then along it, are cut; None when
    what would be cut is not a flat band or what is left is too small."""
    h, w = flat.shape
    first = cv2.reduce(flat, axis, cv2.REDUCE_AVG, dtype=cv2.CV_32F).ravel() >= 0.6 * 255  # a status bar's
    lo1, hi1 = _longest_run(~first)  # text covers less than 40% of its line
    inner = flat[lo1:hi1] if axis == 1 else flat[:, lo1:hi1]
    second = cv2.reduce(inner, 1 - axis, cv2.REDUCE_AVG, dtype=cv2.CV_32F).ravel() >= 0.6 * 255
    lo2, hi2 = _longest_run(~second)
    for lo, hi, lines in ((lo1, hi1, first), (lo2, hi2, second)):
        if hi - lo < 0.2 * len(lines):
            return None
        if (lo and lines[:lo].mean() < 0.7) or (hi < len(lines) and lines[hi:].mean() < 0.7):
            return None  # what would be cut away is not a flat band but part of the picture
    (y0, y1), (x0, x1) = ((lo1, hi1), (lo2, hi2)) if axis == 1 else ((lo2, hi2), (lo1, hi1))
    box = (x0 / w, y0 / h, x1 / w, y1 / h)
    if box[0] < 0.02 and box[1] < 0.02 and box[2] > 0.98 and box[3] > 0.98:
        return (0.0, 0.0, 1.0, 1.0)
    return box


def _longest_run(keep: np.ndarray) -> tuple[int, int]:
    best, start = (0, 0), None
    best_len = -1
    for i, k in enumerate([*keep.tolist(), False]):
        if k and start is None:
            start = i
        elif not k and start is not None:
            if i - start > best_len:
                best_len, best = i - start, (start, i)
            start = None
    return best


def content(im: Image.Image) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """The grey picture without its frame, and where it was in ``im``."""
    box = content_box(im)
    g = im.convert("L")
    if box != (0.0, 0.0, 1.0, 1.0):
        g = g.crop((round(box[0] * im.width), round(box[1] * im.height),
                    round(box[2] * im.width), round(box[3] * im.height)))
    return g, box


# --- the hash ----------------------------------------------------------------------------------------------

@cache
def _dct_rows() -> np.ndarray:
    n = SIDE
    k = np.arange(20)[:, None]
    x = np.arange(n)[None, :]
    m = np.cos(np.pi * (2 * x + 1) * k / (2 * n)) * np.sqrt(2 / n)
    m[0] /= np.sqrt(2)
    return m.astype(np.float32)


@cache
def _zigzag() -> tuple[np.ndarray, np.ndarray]:
    """The 256 lowest frequencies (v, u), DC left out, coarsest first."""
    order = sorted(((v, u) for v in range(20) for u in range(20) if (v, u) != (0, 0)),
                   key=lambda t: (t[0] + t[1], max(t), t[0]))[:256]
    return np.array([o[0] for o in order]), np.array([o[1] for o in order])


def dct_low(view: np.ndarray) -> np.ndarray:
    """The 20 x 20 lowest DCT coefficients of a SIDE x SIDE view: c[v, u], v down, u across."""
    d = _dct_rows()
    return d @ view @ d.T


def sign_hash(c: np.ndarray) -> bytes:
    v, u = _zigzag()
    return np.packbits(c[v, u] > 0).tobytes()


def dihedral(c: np.ndarray) -> list[np.ndarray]:
    """The DCT of the view turned and mirrored, from its DCT: a left-right mirror negates the odd columns u, a
    top-bottom mirror the odd rows v, and a transpose swaps u and v. Order: as is, mirrored left-right, then
    turned by 90, 180 and 270 degrees (counter-clockwise) and each of those mirrored."""
    n = c.shape[0]
    odd = (np.arange(n) % 2 == 1)
    def lr(x):
        return np.where(odd[None, :], -x, x)
    def tb(x):
        return np.where(odd[:, None], -x, x)
    r90 = tb(c.T)  # np.rot90 is a transpose, then a top-bottom mirror
    r180 = lr(tb(c))
    r270 = lr(c.T)
    return [c, lr(c), r90, lr(r90), r180, lr(r180), r270, lr(r270)]


def square(g: Image.Image) -> np.ndarray:
    """The whole of ``g`` squeezed to SIDE x SIDE (turning the picture turns this exactly)."""
    return np.asarray(g.resize((SIDE, SIDE), Image.Resampling.BOX), dtype=np.float32)


# --- anchored views ------------------------------------------------------------------------------------------

def analysis(g: Image.Image) -> np.ndarray:
    """The content at ANALYSIS_PX on its long side (resized exactly, so every copy is seen at one scale)."""
    s = ANALYSIS_PX / max(g.size)
    small = g.resize((max(1, round(g.width * s)), max(1, round(g.height * s))), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32)


def blobs(a: np.ndarray) -> list[tuple[float, float, float]]:
    """The coarse blobs of ``a`` as (x, y, strength), strongest first, each located to a fraction of a pixel."""
    h, w = a.shape
    sigma = BLOB_SIGMA * max(h, w)
    dog = cv2.GaussianBlur(a, (0, 0), sigma)
    wide = cv2.GaussianBlur(a, (0, 0), 1.6 * sigma)
    cv2.absdiff(dog, wide, dst=dog)
    cv2.dilate(dog, np.ones((7, 7), np.uint8), dst=wide)  # (a buffer reused: the heap of a confirmation is small)
    peaks = (dog >= wide) & (dog > 1.0)
    del wide
    ys, xs = np.nonzero(peaks[1:-1, 1:-1])
    del peaks
    found = []
    for y, x in zip((ys + 1).tolist(), (xs + 1).tolist(), strict=True):
        c, left, r, t, b = dog[y, x], dog[y, x - 1], dog[y, x + 1], dog[y - 1, x], dog[y + 1, x]
        dx = (r - left) / (2 * (2 * c - left - r) + 1e-6)  # the peak of a parabola through three samples
        dy = (b - t) / (2 * (2 * c - t - b) + 1e-6)
        found.append((x + float(np.clip(dx, -0.5, 0.5)), y + float(np.clip(dy, -0.5, 0.5)), float(c)))
    found.sort(key=lambda f: -f[2])
    return found


def strongest(found: list[tuple[float, float, float]], shape: tuple[int, int], *, margin: float,
              count: int) -> list[tuple[float, float]]:
    """The ``count`` strongest of ``found`` at least ``margin`` (a fraction) from every edge."""
    h, w = shape
    inside = [(x, y) for x, y, _ in found
              if margin * w <= x < (1 - margin) * w and margin * h <= y < (1 - margin) * h]
    return inside[:count]


def anchored(a: np.ndarray, points: list[tuple[float, float]], *, keep: int | None = None) -> list[list[np.ndarray]]:
    """For each pair of ``points`` far enough apart (the first ``keep`` such pairs, if given): the low DCTs
    (``dct_sub``) of squares centred between them at ``BAND_SCALES`` times their distance, one a band."""
    long = max(a.shape)
    pairs = [(p, q, span) for p, q in itertools.combinations(points, 2)
             if (span := float(np.hypot(q[0] - p[0], q[1] - p[1]))) >= MIN_SPAN * long][:keep]
    if not pairs:
        return []
    levels = [a]  # a pyramid, so that a small view is sampled from a reduced picture, without aliasing
    while max(levels[-1].shape) > SUB:
        levels.append(cv2.pyrDown(levels[-1]))
    out = []
    for p, q, span in pairs:
        cx, cy = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
        bands = []
        for f in BAND_SCALES:
            s = SUB / (f * span)
            k = 0
            while s * 2 ** (k + 1) <= 1 and k + 1 < len(levels):
                k += 1
            sk = s * 2 ** k  # pixels of level k: a pyrDown pixel i covers 2i-0.5..2i+1.5, its centre 2i+0.5
            ox, oy = (cx - (2 ** k - 1) / 2) / 2 ** k, (cy - (2 ** k - 1) / 2) / 2 ** k
            m = np.float32([[sk, 0, SUB / 2 - sk * (ox + 0.5) + 0.5], [0, sk, SUB / 2 - sk * (oy + 0.5) + 0.5]])
            bands.append(dct_sub(cv2.warpAffine(levels[k], m, (SUB, SUB), flags=cv2.INTER_LINEAR,
                                                borderMode=cv2.BORDER_REPLICATE)))
        out.append(bands)
    return out


@cache
def _dct_sub_rows() -> np.ndarray:
    n = SUB
    k = np.arange(8)[:, None]
    x = np.arange(n)[None, :]
    m = np.cos(np.pi * (2 * x + 1) * k / (2 * n)) * np.sqrt(2 / n)
    m[0] /= np.sqrt(2)
    return m.astype(np.float32)


@cache
def _zigzag8() -> tuple[np.ndarray, np.ndarray]:
    order = sorted(((v, u) for v in range(8) for u in range(8) if (v, u) != (0, 0)),
                   key=lambda t: (t[0] + t[1], max(t), t[0]))[:32]
    return np.array([o[0] for o in order]), np.array([o[1] for o in order])


def dct_sub(view: np.ndarray) -> np.ndarray:
    d = _dct_sub_rows()
    return d @ view @ d.T


def bands_hash(bands: list[np.ndarray], *, flip_weakest: bool = False) -> bytes:
    """32 bits a band: the signs of its 32 lowest DCT coefficients (DC left out); with ``flip_weakest``, the least
    certain one of each band the other way."""
    v, u = _zigzag8()
    bits = []
    for c in bands:
        coefficients = c[v, u]
        b = coefficients > 0
        if flip_weakest:
            i = int(np.argmin(np.abs(coefficients)))
            b[i] = not b[i]
        bits.append(b)
    return np.packbits(np.concatenate(bits)).tobytes()
