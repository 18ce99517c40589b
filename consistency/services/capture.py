"""Capture checks: what a photo says about how it was taken, read once when it is verified.

Each rule is one function, its threshold a named constant or a setting an operator tunes:

- **Too blurred or too dark to show anything** (``quality_issue``): the variance of the Laplacian of the report
  copy, in grey at a fixed size (``SHARPNESS_PX``, so that a 12 MP and a 2 MP photo of one scene measure alike)
  and along its weakest direction (so that a shaken photo, sharp across the shake, is caught), below
  ``PHOTO_BLUR_VARIANCE``; the mean luminance below ``PHOTO_DARK_LUMINANCE``. Flagged at confirmation, with a
  message the phone shows so the manager retakes it while still on site. Such a photo still counts (it is
  verified): a threshold is a guess about every scene of every franchise (a dim stock room, a white wall), and
  refusing a true photo would fail its criterion while the manager may have left; it joins the photos head
  office and auditors review (``evidence.review.flags``), who reject it if it shows nothing.
- **Edited** (``editing_software``): the EXIF Software tag names an editor (Photoshop, Lightroom, Snapseed...),
  not the phone's own firmware ("iOS 17.4", "HDR+ 1.0").
- **Captured after its upload** (``captured_after_upload``): the camera's capture time is later than the moment the
  upload was asked for, by more than ``PHOTO_CLOCK_TOLERANCE_MINUTES`` (phone clocks drift): a photo cannot be
  taken after it was sent, so its capture time was written by something else.
- **Far from the site** (``far_from_site``): the photo's EXIF GPS position is more than ``PHOTO_MAX_DISTANCE_M``
  from the site's location (haversine), when both are known. No position, or a site without one: no flag.
- **Content credentials** (``read_credentials``): C2PA manifests read with c2pa-python from the original bytes:
  who signed the capture, with what, and whether the signature validates. A photo without them is not refused.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from functools import cache
from typing import IO

import numpy as np
from django.conf import settings
from django.utils.translation import gettext
from PIL import Image

logger = logging.getLogger(__name__)

SHARPNESS_PX = 512  # long side of the grey copy the Laplacian is measured on (never enlarged)
BLURRED, DARK = "blurred", "dark"
EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)

# An editor's name in EXIF Software. A phone's firmware ("iOS 17.4", "HDR+ 1.0", "G998BXXU...", "MediaTek Camera")
# matches none of these; an editor that exports a photo writes its own name there.
EDITORS = re.compile(
    r"photoshop|lightroom|adobe|gimp|snapseed|picsart|pixelmator|affinity|vsco|canva|facetune|meitu|"
    r"polarr|darktable|rawtherapee|capture one|luminar|paint\.net|photoscape|fotor|pixlr|prisma|"
    r"afterlight|instasize|lensa|remini|airbrush|photoroom|inshot|picmonkey|befunky|acdsee|corel|"
    r"paintshop|\bedit(?:ed|or)\b",
    re.IGNORECASE,
)

# c2pa-python reads the manifests embedded in the file, and nothing from the network: a manifest that points at
# a remote one, or a certificate's OCSP responder, is not fetched while a confirmation waits.
C2PA_SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
C2PA_VALID_STATES = ("Valid", "Trusted")
CREDENTIAL_TEXT_MAX = 200


# --- the report copy's pixels ---------------------------------------------------------------------------------

# The Laplacian's second derivative along each of four directions (0, 90, 45 and 135 degrees). A photo shaken in
# one direction keeps its detail across it, so the full Laplacian (the sum of two of these) still varies a lot;
# along the direction of the shake it does not. The weakest direction's variance is the photo's sharpness. Integer
# kernels into 16-bit results: a confirmation holds a few hundred kB of them, one at a time, never floats.
_DIRECTIONS = (  # (kernel, the square of its step's length: a diagonal step is sqrt(2) pixels long)
    (np.array([[0, 0, 0], [1, -2, 1], [0, 0, 0]], dtype=np.int16), 1),
    (np.array([[0, 1, 0], [0, -2, 0], [0, 1, 0]], dtype=np.int16), 1),
    (np.array([[1, 0, 0], [0, -2, 0], [0, 0, 1]], dtype=np.int16), 4),
    (np.array([[0, 0, 1], [0, -2, 0], [1, 0, 0]], dtype=np.int16), 4),
)


def measure(thumb: Image.Image) -> tuple[float, float]:
    """(sharpness, brightness) of the report copy: the variance of the Laplacian of its grey copy at
    ``SHARPNESS_PX``, along its weakest direction (``_DIRECTIONS``), and its mean luminance (0 to 255)."""
    import cv2  # OpenCV loads in the processes that inspect photos only

    grey = thumb.convert("L")
    scale = SHARPNESS_PX / max(grey.size)
    if scale < 1:  # a smaller picture is measured as it is: enlarging it would blur it
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                           Image.Resampling.BOX)
    pixels = np.asarray(grey, dtype=np.uint8)
    variances = []
    for kernel, step in _DIRECTIONS:
        _, std = cv2.meanStdDev(cv2.filter2D(pixels, cv2.CV_16S, kernel, borderType=cv2.BORDER_REFLECT))
        variances.append(float(std[0, 0]) ** 2 / step)
    return round(min(variances), 2), round(float(cv2.mean(pixels)[0]), 2)


def quality_issue(sharpness: float | None, brightness: float | None) -> str:
    """'dark', 'blurred' or '': too dark comes first (a dark photo also measures blurred, and light is the
    remedy), then too blurred. Unknown measures flag nothing."""
    if brightness is not None and brightness < settings.PHOTO_DARK_LUMINANCE:
        return DARK
    if sharpness is not None and sharpness < settings.PHOTO_BLUR_VARIANCE:
        return BLURRED
    return ""


def quality_message(issue: str) -> str:
    """What the phone tells the manager about a photo flagged ``issue``, in their language."""
    if issue == DARK:
        return gettext("This photo is too dark to show anything: turn a light on or use the flash, and take it "
                       "again while you are on site.")
    if issue == BLURRED:
        return gettext("This photo is too blurred to show anything: hold the phone still, let it focus, and take "
                       "it again while you are on site.")
    return ""


# --- EXIF -----------------------------------------------------------------------------------------------------

def editing_software(software: str | None) -> str:
    """The EXIF Software value when it names an editor, else ''."""
    software = (software or "").strip().strip("\x00").strip()
    return software[:120] if software and EDITORS.search(software) else ""


def captured_after_upload(captured_at: dt.datetime | None, asked_at: dt.datetime | None) -> bool:
    """Whether the capture time is later than the upload was asked for, beyond a phone clock's drift."""
    if captured_at is None or asked_at is None:
        return False
    return captured_at > asked_at + dt.timedelta(minutes=settings.PHOTO_CLOCK_TOLERANCE_MINUTES)


def valid_position(latitude, longitude) -> tuple[float, float] | None:
    """(latitude, longitude) if both are finite and on the globe, else None (a GPS block of zeros is kept: it is
    a position, and far from almost every site)."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (latitude, longitude) positions (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def site_distance(gps: tuple[float, float] | None, site) -> int | None:
    """Metres from the site's location to the photo's position, when both are known."""
    where = valid_position(site.latitude, site.longitude) if site.latitude is not None else None
    if gps is None or where is None:
        return None
    return round(distance_m(gps, where))


def far_from_site(distance: int | None) -> bool:
    return distance is not None and distance > settings.PHOTO_MAX_DISTANCE_M


# --- C2PA content credentials ---------------------------------------------------------------------------------

def read_credentials(f: IO[bytes], content_type: str) -> dict | None:
    """The photo's C2PA content credentials, or None when it carries none (or they cannot be read at all: a photo
    is not refused for them). ``valid`` says whether the signature and the hashes of the bytes validate;
    ``trusted`` whether the signer is on a trust list c2pa knows."""
    import c2pa

    f.seek(0)
    try:
        reader = c2pa.Reader.try_create(content_type, f, None, _c2pa_context())
    except Exception:  # noqa: BLE001 - a damaged manifest is reported as unreadable, never a refused photo
        logger.info("C2PA manifest present but unreadable", exc_info=True)
        return {"signer": "", "issuer": "", "claim_generator": "", "signed_at": None, "state": "Unreadable",
                "valid": False, "trusted": False, "validation_errors": ["manifest.unreadable"]}
    if reader is None:
        return None
    with reader:
        active = reader.get_active_manifest() or {}
        state = reader.get_validation_state() or ""
        results = (reader.get_validation_results() or {}).get("activeManifest") or {}
    return credentials_summary(active, state, results)


@cache
def _c2pa_context():
    """The readers' settings (``C2PA_SETTINGS``), made once per process: c2pa shares a context between readers."""
    import c2pa

    return c2pa.Context.from_dict(C2PA_SETTINGS)


def credentials_summary(active: dict, state: str, results: dict) -> dict:
    """What is kept of a manifest (JSON, on the evidence): who signed, the issuer of their certificate, the
    software that made the claim, when it was signed (when timestamped), and the validation's outcome."""
    signature = active.get("signature_info") or {}
    generators = active.get("claim_generator_info") or []
    generator = " ".join(str(part) for part in ((generators[0] or {}).get("name"), (generators[0] or {}).get(
        "version")) if part) if generators else str(active.get("claim_generator") or "")
    actions = [a.get("action", "") for assertion in active.get("assertions") or []
               if str(assertion.get("label", "")).startswith("c2pa.actions")
               for a in (assertion.get("data") or {}).get("actions") or []]
    errors = sorted({str(item.get("code", "")) for item in results.get("failure") or [] if item.get("code")})
    return {
        "signer": str(signature.get("common_name") or signature.get("issuer") or "")[:CREDENTIAL_TEXT_MAX],
        "issuer": str(signature.get("issuer") or "")[:CREDENTIAL_TEXT_MAX],
        "claim_generator": generator[:CREDENTIAL_TEXT_MAX],
        "signed_at": signature.get("time"),
        "actions": [a[:60] for a in actions[:10]],
        "state": state,
        "valid": state in C2PA_VALID_STATES,
        "trusted": state == "Trusted",
        "validation_errors": errors[:20],
    }


# --- on the evidence ------------------------------------------------------------------------------------------

def apply(evidence, facts) -> None:
    """Set ``evidence``'s capture fields from its inspection (``images.PhotoFacts``); ``captured_at`` is set."""
    evidence.sharpness, evidence.brightness = facts.sharpness, facts.brightness
    evidence.quality_issue = quality_issue(facts.sharpness, facts.brightness)
    evidence.edited_with = editing_software(facts.software)
    # The upload was asked for when the evidence was made; a multipart upload is made and verified in one go (not
    # saved yet: its verification time is its upload's).
    evidence.captured_after_upload = captured_after_upload(evidence.captured_at,
                                                           evidence.created_at or evidence.verified_at)
    gps = valid_position(*facts.gps) if facts.gps else None
    evidence.gps_latitude, evidence.gps_longitude = gps if gps else (None, None)
    evidence.gps_distance_m = site_distance(gps, evidence.site)
    evidence.far_from_site = far_from_site(evidence.gps_distance_m)
    evidence.content_credentials = facts.credentials
