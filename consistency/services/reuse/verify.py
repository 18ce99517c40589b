"""The precise comparison of a new photo with one candidate: is it the same picture, after what people do to one?

1. **One transform of the kinds people apply.** ORB features of both pictures (without a screenshot's frame),
   matched both ways round for a mirror, and a similarity (scale, quarter turn, shift) fitted to the matches
   with RANSAC. A re-shot of the same spot matches many features too - the room is the same - so the matches
   alone decide nothing; they only say how to lay one picture over the other. The turn must be a quarter turn
   (within ``MAX_TILT`` degrees): it is then snapped to it, and the scale and shift refitted.
2. **The pixels agree where they overlap.** The old picture is laid over the new one at the lower of the two
   resolutions and both are band-passed (the fine detail: edges, texture, text), then compared block by block
   with a normalised cross-correlation, which a brightness or contrast change does not move. A copy agrees
   nearly everywhere (what differs is JPEG noise). A re-shot cannot: the camera stood elsewhere, so near things
   moved against far ones (parallax), the frame is tilted by the hand, and things in the room were moved. Those
   blocks disagree, and ``MIN_AGREEING`` of the textured blocks must agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from . import views

ORB_FEATURES = 1500
RATIO = 0.8  # Lowe's ratio test on the two nearest descriptors
RANSAC_PX = 3.0
MIN_INLIERS = 15
MAX_TILT = 3.0  # degrees from a quarter turn
BLOCK = 16  # pixels of the common frame
MIN_TEXTURE = 2.0  # grey levels of band-passed detail for a block to count
AGREE_NCC = 0.5  # a block agrees when its correlation is above this
MIN_AGREEING = 0.70  # share of the textured overlap that must agree (copies: 0.92-1.00; re-shots: 0.14-0.39)
MIN_OVERLAP = 0.5  # of the smaller picture
CROPPED_BELOW = 0.97  # of the old picture shown in the new one
ADJUSTED_ABOVE = 0.05  # relative change of brightness or contrast


@dataclass(frozen=True)
class Found:
    kind: str
    score: float
    detail: str


@dataclass(frozen=True)
class _Fit:
    mirrored: bool
    matrix: np.ndarray  # 2 x 3, old content -> new content (mirrored first, if so)
    inliers: int
    matches: int


def compare_images(new: Image.Image, old: Image.Image) -> Found | None:
    gn, box_n = views.content(new)
    go, _box_o = views.content(old)
    a_new, a_old = np.asarray(gn), np.asarray(go)
    if a_new.shape == a_old.shape and np.array_equal(a_new, a_old):
        return Found("identical", 1.0, "the same picture")
    fit = _fit(a_new, a_old)
    if fit is None:
        return None
    snapped = _snap(fit, a_new, a_old)
    if snapped is None:
        return None
    matrix, quarter, scale = snapped
    agreement = _agreement(a_new[:, ::-1] if fit.mirrored else a_new, a_old, matrix, scale)
    if agreement is None:
        return None
    agreeing, overlap, covered, brightness, contrast = agreement
    if agreeing < MIN_AGREEING or overlap < MIN_OVERLAP:
        return None
    return _describe(fit, quarter, scale, agreeing, covered, brightness, contrast,
                     screenshot=box_n != (0.0, 0.0, 1.0, 1.0), new_size=new.size, old_size=old.size)


def _fit(a_new: np.ndarray, a_old: np.ndarray) -> _Fit | None:
    """The similarity that lays ``a_old``'s features on ``a_new``'s (or on its mirror image), by RANSAC."""
    orb = cv2.ORB_create(nfeatures=ORB_FEATURES, fastThreshold=12)
    k_old, d_old = orb.detectAndCompute(a_old, None)
    if d_old is None or len(k_old) < MIN_INLIERS:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    best = None
    for mirrored in (False, True):
        img = np.ascontiguousarray(a_new[:, ::-1]) if mirrored else a_new
        k_new, d_new = orb.detectAndCompute(img, None)
        if d_new is None or len(k_new) < MIN_INLIERS:
            continue
        good = [m for m, n in (p for p in matcher.knnMatch(d_new, d_old, k=2) if len(p) == 2)
                if m.distance < RATIO * n.distance]
        if len(good) < MIN_INLIERS:
            continue
        src = np.float32([k_old[m.trainIdx].pt for m in good])
        dst = np.float32([k_new[m.queryIdx].pt for m in good])
        matrix, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX,
                                                      maxIters=2000, confidence=0.995)
        if matrix is None:
            continue
        count = int(inliers.sum())
        if best is None or count > best.inliers:
            best = _Fit(mirrored, matrix, count, len(good))
    if best is None or best.inliers < MIN_INLIERS:
        return None
    return best


def _snap(fit: _Fit, a_new, a_old):
    """The fitted turn snapped to a quarter turn; None when it is not near one (a tilted re-shot)."""
    m = fit.matrix
    angle = math.degrees(math.atan2(m[1, 0], m[0, 0]))
    quarter = round(angle / 90) % 4
    if abs((angle - quarter * 90 + 180) % 360 - 180) > MAX_TILT:
        return None
    scale = math.hypot(m[0, 0], m[1, 0])
    c, s = [(1, 0), (0, 1), (-1, 0), (0, -1)][quarter]
    h, w = a_old.shape
    centre = np.array([w / 2, h / 2])
    moved = m[:, :2] @ centre + m[:, 2]
    rot = scale * np.array([[c, -s], [s, c]])
    matrix = np.hstack([rot, (moved - rot @ centre)[:, None]]).astype(np.float64)
    return matrix, quarter, scale


def _bandpass(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.float32)
    return cv2.GaussianBlur(a, (0, 0), 0.8) - cv2.GaussianBlur(a, (0, 0), 2.5)


def _agreement(a_new: np.ndarray, a_old: np.ndarray, matrix: np.ndarray, scale: float):
    """(share of textured blocks that agree, overlap as a share of the smaller picture, share of the old picture
    the new one shows, brightness ratio new/old, contrast ratio new/old), at the lower resolution."""
    if scale <= 1:  # the new picture is the smaller: the old one is reduced onto it
        ref, other, m = a_new, a_old, matrix
        soft = 0.5 / scale
    else:
        ref, other = a_old, a_new
        m = cv2.invertAffineTransform(matrix)
        soft = 0.5 * scale
    src = cv2.GaussianBlur(other, (0, 0), soft) if soft > 0.6 else other
    h, w = ref.shape
    laid = cv2.warpAffine(src, m, (w, h), flags=cv2.INTER_LINEAR)
    inside = cv2.warpAffine(np.full(other.shape, 255, np.uint8), m, (w, h), flags=cv2.INTER_NEAREST)
    inside = cv2.erode(inside, np.ones((5, 5), np.uint8))
    valid = inside > 0
    area = float(valid.sum())
    if area < 0.1 * ref.size:
        return None
    r, o = ref.astype(np.float32)[valid], laid.astype(np.float32)[valid]
    if ref is not a_new:
        r, o = o, r  # r: the new picture's pixels, o: the old one's
    brightness = float(r.mean() / max(o.mean(), 1.0))
    contrast = float(r.std() / max(o.std(), 1e-3))
    br, bo = _bandpass(ref), _bandpass(laid)
    blocks = agreeing = 0
    for y in range(0, h - BLOCK + 1, BLOCK):
        for x in range(0, w - BLOCK + 1, BLOCK):
            if not valid[y:y + BLOCK, x:x + BLOCK].all():
                continue
            p, q = br[y:y + BLOCK, x:x + BLOCK].ravel(), bo[y:y + BLOCK, x:x + BLOCK].ravel()
            sp, sq = p.std(), q.std()
            if max(sp, sq) < MIN_TEXTURE:
                continue
            blocks += 1
            if sp > 0 and sq > 0 and float(((p - p.mean()) * (q - q.mean())).mean() / (sp * sq)) > AGREE_NCC:
                agreeing += 1
    if blocks < 8:
        return None
    # What share of the old picture the new one shows: the old picture's area inside the new frame.
    covered = area / (a_old.size * scale * scale) if ref is a_new else area / a_old.size
    return agreeing / blocks, area / ref.size, min(1.0, covered), brightness, contrast


def _describe(fit, quarter, scale, agreeing, covered, brightness, contrast, *, screenshot, new_size, old_size):
    what = []
    if screenshot:
        what.append("shown on a screen and screenshotted")
    if quarter:  # the fitted turn is in image coordinates (y down): a positive angle turns clockwise
        what.append({1: "turned a quarter turn clockwise", 2: "turned upside down",
                     3: "turned a quarter turn counter-clockwise"}[quarter])
    if fit.mirrored:
        what.append("mirrored")
    if covered < CROPPED_BELOW:
        what.append(f"cropped to {covered:.0%} of the picture")
    if abs(brightness - 1) > ADJUSTED_ABOVE or abs(contrast - 1) > ADJUSTED_ABOVE:
        what.append(f"brightness {brightness - 1:+.0%}, contrast {contrast - 1:+.0%}")
    if not what:
        what.append("saved again" + (f" at {scale:.0%} of the size" if abs(scale - 1) > 0.02 else ""))
    if screenshot:
        kind = "screenshot"
    elif fit.mirrored:
        kind = "mirrored"
    elif quarter:
        kind = "rotated"
    elif covered < CROPPED_BELOW:
        kind = "cropped"
    elif abs(brightness - 1) > ADJUSTED_ABOVE or abs(contrast - 1) > ADJUSTED_ABOVE:
        kind = "adjusted"
    else:
        kind = "re-encoded"
    detail = (f"{', '.join(what)}: {fit.inliers} matching features, {agreeing:.0%} of the overlapping detail "
              "agrees pixel by pixel")
    return Found(kind, round(agreeing, 3), detail[:200])
