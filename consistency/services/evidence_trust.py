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


def is_copy(photo: Evidence, other: Evidence) -> bool:
    """Whether ``other``, verified, repeats ``photo``: the same bytes or a near-identical perceptual hash, for
    another day or site, or for another criterion of the same site's day. The rule; the queries below and
    ``PhotoIndex`` only narrow down the candidates it is asked about."""
    if other is photo or (other.pk is not None and other.pk == photo.pk) or other.status != Evidence.Status.VERIFIED:
        return False
    if (other.site_id, other.day, other.criterion_id) == (photo.site_id, photo.day, photo.criterion_id):
        return False
    if other.sha256 and other.sha256 == photo.sha256:
        return True
    return bool(photo.phash and other.phash and hamming(photo.phash, other.phash) <= REUSE_MAX_DISTANCE)


_CANDIDATE_FIELDS = ("id", "site_id", "day", "criterion_id", "status", "sha256", "phash", "created_at",
                     "reused_from_id")


def _matches(evidence: Evidence) -> list[Evidence]:
    """Verified photos that ``evidence`` repeats or that repeat it (``is_copy``)."""
    others = (Evidence.objects.filter(status=Evidence.Status.VERIFIED)
              .exclude(pk=evidence.pk)
              .exclude(site_id=evidence.site_id, day=evidence.day, criterion_id=evidence.criterion_id)
              .only(*_CANDIDATE_FIELDS))
    # The same bytes on their own index: among many near hashes, a cap on candidates could leave them out.
    found = {e.pk: e for e in others.filter(sha256=evidence.sha256)[:1000]}
    if evidence.phash:
        # The four phash bands in one query over their indexes, no ORDER BY: with one, a database may walk
        # the primary key instead of the indexes. The exact distance is computed here, on the few rows.
        near = Q()
        for i, band in enumerate(phash_bands(evidence.phash)):
            near |= Q(**{f"phash_band{i}": band})
        for e in others.filter(near)[:1000]:
            found.setdefault(e.pk, e)
    return [e for e in found.values() if is_copy(evidence, e)]


class PhotoIndex:
    """Verified photos held in memory, found as ``_matches`` finds them in the database (by SHA-256, or by a
    shared phash band, then ``is_copy``): for a caller that verifies thousands of photos in a row (the demo
    seeding), one query to load instead of two per photo. A photo is added once it is verified."""

    def __init__(self, photos=()):
        self._by_sha: dict[str, list[Evidence]] = {}
        self._by_band: dict[tuple[int, int], list[Evidence]] = {}
        for photo in photos:
            self.add(photo)

    @classmethod
    def of_verified(cls) -> PhotoIndex:
        return cls(Evidence.objects.filter(status=Evidence.Status.VERIFIED).only(*_CANDIDATE_FIELDS).iterator())

    def add(self, photo: Evidence) -> None:
        if photo.sha256:
            self._by_sha.setdefault(photo.sha256, []).append(photo)
        if photo.phash:
            for i, band in enumerate(phash_bands(photo.phash)):
                self._by_band.setdefault((i, band), []).append(photo)

    def matches(self, evidence: Evidence) -> list[Evidence]:
        found = {id(e): e for e in self._by_sha.get(evidence.sha256, ())}  # by object: some are not saved yet
        if evidence.phash:
            for i, band in enumerate(phash_bands(evidence.phash)):
                for e in self._by_band.get((i, band), ()):
                    found.setdefault(id(e), e)
        return [e for e in found.values() if is_copy(evidence, e)]


def _taken_for(evidence: Evidence) -> tuple:
    """Which of two photos came first: the one for the earlier day, then the one asked for earlier."""
    return (evidence.day or dt.date.max, evidence.created_at or dt.datetime.max.replace(tzinfo=dt.UTC),
            evidence.pk or 0)


def reuse_links(evidence: Evidence, *, index: PhotoIndex | None = None) -> tuple[Evidence | None, list[int]]:
    """(the first photo that this one repeats, or None; the ids of photos not flagged yet that repeat this one).

    The second list is not empty when the original is verified after its copies: Monday's photo confirmed on
    Wednesday, once the phone had a line again, after the same picture was given for Tuesday. The copy, not
    the original, carries the flag, and it points at the original. The candidates come from the database, or
    from ``index`` where the caller keeps one."""
    matches = index.matches(evidence) if index is not None else _matches(evidence)
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
