"""Can this photo be trusted? Two flags for head office and auditors.

**Reused photo** (``Evidence.reused_from``): the photo's bytes (SHA-256) or its perceptual hash match a
verified photo submitted for *another* day or *another* site - the same restroom photo every morning - or
for *another criterion* of the same site's day - one picture of the counter given for the uniform, the
invoices and the reception (the same bytes there are refused outright: ``evidence.duplicates``).
The photo for the later day carries the flag and points at the first one (for one day: the one asked for
later), whichever of the two was verified first. Perceptual hashes match when their Hamming distance is at
most ``REUSE_MAX_DISTANCE`` (3 of 64 bits): re-encoding, resizing or a change of JPEG quality moves a phash by 0-2 bits, while two
genuine photos of the same room taken on different days (other light, other towel, another angle)
differ by far more. A loose threshold (8-10 bits) would flag honest managers who stand in the same
spot every day, so we keep it tight; ``phash`` is stored so the threshold can be revisited.
The search uses the four indexed 16-bit bands of the hash: two hashes within distance 3 share at
least one band exactly (pigeonhole), so candidates come from an index, then the exact distance is
computed on those few rows.

**Stale capture** (``Evidence.stale_capture``): the EXIF capture time is more than
``STALE_CAPTURE_HOURS`` (36 h) from the middle (local noon) of the check's local day, i.e. taken more
than a full day before that day began or after it ended. That leaves room for a check done late in the
evening or a phone clock a few hours off, and catches a photo from last week. A capture time without a
UTC offset is read in the site's time zone. No capture time, no flag (``captured_at`` stays empty so
the reader sees that it is unknown).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Q

from ..models import Evidence

REUSE_MAX_DISTANCE = 3
STALE_CAPTURE_HOURS = 36
_BANDS = 4


def phash_bands(phash: str) -> tuple[int, ...]:
    value = int(phash, 16)
    return tuple((value >> (16 * (_BANDS - 1 - i))) & 0xFFFF for i in range(_BANDS))


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _matches(evidence: Evidence) -> list[Evidence]:
    """Verified photos of another day or site, or of another criterion of the same site's day, with the same
    bytes or a near-identical perceptual hash."""
    others = (Evidence.objects.filter(status=Evidence.Status.VERIFIED)
              .exclude(pk=evidence.pk)
              .exclude(site_id=evidence.site_id, day=evidence.day, criterion_id=evidence.criterion_id)
              .only("id", "day", "created_at", "reused_from_id"))
    # The same bytes on their own index: among many near hashes, a cap on candidates could leave them out.
    found = {e.pk: e for e in others.filter(sha256=evidence.sha256)[:1000]}
    if evidence.phash:
        # The four phash bands in one query over their indexes, no ORDER BY: with one, a database may walk
        # the primary key instead of the indexes. The exact distance is computed here, on the few rows.
        near = Q()
        for i, band in enumerate(phash_bands(evidence.phash)):
            near |= Q(**{f"phash_band{i}": band})
        for e in others.filter(near).only("id", "day", "created_at", "reused_from_id", "phash")[:1000]:
            if e.phash and hamming(e.phash, evidence.phash) <= REUSE_MAX_DISTANCE:
                found.setdefault(e.pk, e)
    return list(found.values())


def _taken_for(evidence: Evidence) -> tuple:
    """Which of two photos came first: the one for the earlier day, then the one asked for earlier."""
    return (evidence.day or dt.date.max, evidence.created_at or dt.datetime.max.replace(tzinfo=dt.UTC),
            evidence.pk or 0)


def reuse_links(evidence: Evidence) -> tuple[Evidence | None, list[int]]:
    """(the first photo that this one repeats, or None; the ids of photos not flagged yet that repeat this one).

    The second list is not empty when the original is verified after its copies: Monday's photo confirmed on
    Wednesday, once the phone had a line again, after the same picture was given for Tuesday. The copy, not
    the original, carries the flag, and it points at the original."""
    matches = _matches(evidence)
    mine = _taken_for(evidence)
    earlier = [e for e in matches if _taken_for(e) < mine]
    original = min(earlier, key=_taken_for) if earlier else None
    copies = [e.pk for e in matches if _taken_for(e) > mine and e.reused_from_id is None]
    return original, copies


def capture_instant(local: dt.datetime | None, offset: dt.timedelta | None, tz: zoneinfo.ZoneInfo):
    """The capture time as an aware datetime: with the camera's own offset if it wrote one, else in the
    site's time zone (the phone was at the site)."""
    if local is None:
        return None
    if offset is not None:
        return local.replace(tzinfo=dt.timezone(offset))
    return local.replace(tzinfo=tz)


def is_stale(captured_at: dt.datetime | None, day: dt.date | None, tz: zoneinfo.ZoneInfo) -> bool:
    if captured_at is None or day is None:
        return False
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
    return abs(captured_at - noon) > dt.timedelta(hours=STALE_CAPTURE_HOURS)
