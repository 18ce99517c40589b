"""Can this photo be trusted? Two flags for head office and auditors.

**Reused photo** (``Evidence.reused_from``, with ``reuse_kind``, ``reuse_score`` and ``reuse_detail``): the photo
repeats a verified photo submitted for *another* day or *another* site - the same restroom photo every morning -
or for *another criterion* of the same site's day - one picture of the counter given for the uniform, the
invoices and the reception (the same bytes there are refused outright: ``evidence.duplicates``). It repeats it
when its bytes are the same (SHA-256: "identical", score 1), or when ``reuse.compare`` of the two report copies
finds the one re-encoded, resized, cropped, turned, mirrored, brightened or screenshotted from the other.
The photo for the later day carries the flag and points at the first one (for one day: the one asked for
later), whichever of the two was verified first.

Comparing two photos costs tens of milliseconds, so only a few are compared: the **candidates** found by one
indexed query (``candidates``). Every verified photo stores its ``reuse.fingerprint`` keys (``PhotoKey``, one per
view, with the ``reuse.band_keys`` a GIN index holds); a new photo's probes (its views turned and mirrored) find
the stored keys that share a band value with them (``bands && probe bands``, an index lookup however many photos
are on record), ranked by ``reuse.distance``, at most ``reuse.MAX_CANDIDATES`` of them, together with the photos
of the same bytes. The same rule runs on photos held in memory (``PhotoIndex``, for the demo seeding): one
eligibility rule (``may_repeat``), one ranking, one comparison (``match``).

The old perceptual hash (``phash`` and its four bands) is still stored and shown, no longer searched: a 3-bit
threshold on it missed every crop, turn and mirror. Photos verified before ``PhotoKey`` existed have no keys and
are found again by their bytes only.

**Stale capture** (``Evidence.stale_capture``): the EXIF capture time is more than
``STALE_CAPTURE_HOURS`` (36 h) from the middle (local noon) of the check's local day, i.e. taken more
than a full day before that day began or after it ended. That leaves room for a check done late in the
evening or a phone clock a few hours off, and catches a photo from last week. A capture time without a
UTC offset is read in the site's time zone. No capture time, no flag (``captured_at`` stays empty so
the reader sees that it is unknown).
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PIL import Image

from .. import storage
from ..models import Evidence, PhotoKey
from . import reuse

REUSE_MAX_DISTANCE = 3  # the old phash rule's threshold, kept for reading old flags (see above)
STALE_CAPTURE_HOURS = 36
_BANDS = 4
SAME_BYTES_CAP = 1000  # photos of the same bytes read at most (more than that: the earliest ones are flagged already)
THUMBNAIL_MAX_BYTES = 4 * 1024 * 1024
IDENTICAL = reuse.Match(kind="identical", score=1.0, detail="The same file, byte for byte (SHA-256).")


def phash_bands(phash: str) -> tuple[int, ...]:
    value = int(phash, 16)
    return tuple((value >> (16 * (_BANDS - 1 - i))) & 0xFFFF for i in range(_BANDS))


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def may_repeat(photo: Evidence, other: Evidence) -> bool:
    """Whether ``other`` may be the photo ``photo`` repeats (or that repeats it): verified, not ``photo`` itself,
    and for another day, another site, or another criterion of the same site's day. The query below and
    ``PhotoIndex`` select by the same rule; this is it."""
    if other is photo or (other.pk is not None and other.pk == photo.pk) or other.status != Evidence.Status.VERIFIED:
        return False
    return (other.site_id, other.day, other.criterion_id) != (photo.site_id, photo.day, photo.criterion_id)


@dataclass(frozen=True)
class Found:
    """A photo the search found: ``distance`` is the closest of its hit keys to any probe (0: the same bytes)."""

    photo: Evidence
    distance: int


_CANDIDATE_FIELDS = ("id", "site_id", "day", "criterion_id", "status", "sha256", "created_at", "reused_from_id",
                     "thumbnail_key")

# One statement, two index paths: the keys sharing a band value with a probe (GIN on bands, read by the function
# of migration consistency 0019: why a function is said there), the nearest first, and the photos of the same
# bytes (btree on sha256). The distance is taken over the hit keys only, in SQL, so that the cap keeps the
# nearest; the eligibility filter is ``may_repeat``'s (NULL days compare as equal).
_CANDIDATES_SQL = f"""
(SELECT {", ".join("e." + f for f in _CANDIDATE_FIELDS)}, hit.distance
   FROM (SELECT k.evidence_id,
                min(bit_count(('x' || encode(k.hash, 'hex'))::bit({{bits}}) # ('x' || p.probe)::bit({{bits}})))
                  AS distance
           FROM touchpoint_photokey_hits(%(bands)s::bigint[]) k CROSS JOIN unnest(%(probes)s::text[]) AS p(probe)
          GROUP BY k.evidence_id) hit
   JOIN consistency_evidence e ON e.id = hit.evidence_id
  WHERE e.status = 'verified' AND e.id IS DISTINCT FROM %(pk)s
    AND (e.site_id, e.day, e.criterion_id) IS DISTINCT FROM (%(site)s, %(day)s::date, %(criterion)s)
  ORDER BY hit.distance, e.id
  LIMIT %(cap)s)
UNION ALL
(SELECT {", ".join("e." + f for f in _CANDIDATE_FIELDS)}, 0
   FROM consistency_evidence e
  WHERE e.sha256 = %(sha256)s AND e.status = 'verified' AND e.id IS DISTINCT FROM %(pk)s
    AND (e.site_id, e.day, e.criterion_id) IS DISTINCT FROM (%(site)s, %(day)s::date, %(criterion)s)
  LIMIT {SAME_BYTES_CAP})
"""


def candidates(evidence: Evidence, fingerprint: reuse.Fingerprint | None) -> list[Found]:
    """The verified photos ``evidence`` may repeat or be repeated by, from the database: one query."""
    probes = fingerprint.probes if fingerprint is not None else ()
    bands = sorted({b for probe in probes for b in reuse.band_keys(probe)})
    bits = 8 * len(probes[0]) if probes else 256
    params = {"probes": [p.hex() for p in probes], "bands": bands,
              "pk": evidence.pk, "site": evidence.site_id, "day": evidence.day, "criterion": evidence.criterion_id,
              "cap": reuse.MAX_CANDIDATES, "sha256": evidence.sha256}
    sql = _CANDIDATES_SQL.replace("{bits}", str(int(bits)))  # a type's length cannot be a parameter
    found = [Found(photo, photo.distance) for photo in Evidence.objects.raw(sql, params)]
    return _unique(found, evidence)


def _unique(found: Iterable[Found], evidence: Evidence) -> list[Found]:
    """Each photo once (the same bytes first), nearest first, only those ``may_repeat`` allows."""
    best: dict[tuple, Found] = {}
    for f in found:
        # By id where it has one (the query may answer a photo on both paths); by object where it has none yet
        # (a photo of the demo's batch, held in memory only).
        which = ("pk", f.photo.pk) if f.photo.pk is not None else ("object", id(f.photo))
        if may_repeat(evidence, f.photo) and (which not in best or f.distance < best[which].distance):
            best[which] = f
    return sorted(best.values(), key=lambda f: f.distance)


def photo_keys(evidence: Evidence, fingerprint: reuse.Fingerprint | None) -> list[PhotoKey]:
    """The rows a verified photo is found by (unsaved)."""
    if fingerprint is None:
        return []
    return [PhotoKey(evidence=evidence, view=view, hash=h, bands=reuse.band_keys(h))
            for view, h in enumerate(fingerprint.keys)]


class PhotoIndex:
    """Verified photos held in memory, searched as ``candidates`` searches the database (the same eligibility,
    band lookup, ranking and cap): for a caller that verifies thousands of photos in a row (the demo seeding),
    two queries to load instead of one per photo. A photo is added once it is verified, with its keys, and its
    report copy until that is stored (``stored``)."""

    def __init__(self) -> None:
        self._by_sha: dict[str, list[Evidence]] = {}
        self._by_band: dict[int, list[tuple[Evidence, bytes]]] = {}
        self._thumbnails: dict[int, bytes] = {}

    @classmethod
    def of_verified(cls) -> PhotoIndex:
        index = cls()
        keys: dict[int, list[bytes]] = {}
        for evidence_id, h in PhotoKey.objects.order_by("evidence_id", "view").values_list("evidence_id", "hash"):
            keys.setdefault(evidence_id, []).append(bytes(h))
        for photo in (Evidence.objects.filter(status=Evidence.Status.VERIFIED).only(*_CANDIDATE_FIELDS)
                      .iterator(chunk_size=2000)):
            index.add(photo, keys.get(photo.pk, ()))
        return index

    def add(self, photo: Evidence, keys: Iterable[bytes], thumbnail: bytes | None = None) -> None:
        if photo.sha256:
            self._by_sha.setdefault(photo.sha256, []).append(photo)
        for h in keys:
            for band in reuse.band_keys(h):
                self._by_band.setdefault(band, []).append((photo, h))
        if thumbnail is not None:
            self._thumbnails[id(photo)] = thumbnail

    def stored(self) -> None:
        """The report copies added so far are in storage now: read them from there when needed."""
        self._thumbnails.clear()

    def thumbnail(self, photo: Evidence) -> bytes:
        return self._thumbnails.get(id(photo)) or stored_thumbnail(photo)

    def candidates(self, evidence: Evidence, fingerprint: reuse.Fingerprint | None) -> list[Found]:
        probes = fingerprint.probes if fingerprint is not None else ()
        hit: dict[int, tuple[Evidence, set[bytes]]] = {}
        for band in {b for probe in probes for b in reuse.band_keys(probe)}:
            for photo, h in self._by_band.get(band, ()):
                hit.setdefault(id(photo), (photo, set()))[1].add(h)
        near = [Found(photo, min(reuse.distance(h, p) for h in hashes for p in probes))
                for photo, hashes in hit.values() if may_repeat(evidence, photo)]
        near.sort(key=lambda f: (f.distance, f.photo.pk is None, f.photo.pk or 0))  # as the query: distance, id
        same = [Found(photo, 0) for photo in self._by_sha.get(evidence.sha256, ())[:SAME_BYTES_CAP]]
        return _unique([*near[:reuse.MAX_CANDIDATES], *same], evidence)


def stored_thumbnail(photo: Evidence) -> bytes:
    """A verified photo's report copy, from storage (ObjectMissing: none was made or it has gone)."""
    if not photo.thumbnail_key:
        raise storage.ObjectMissing(f"evidence {photo.pk} has no report copy")
    return storage.read_bytes(photo.thumbnail_key, max_bytes=THUMBNAIL_MAX_BYTES)


def _taken_for(evidence: Evidence) -> tuple:
    """Which of two photos came first: the one for the earlier day, then the one asked for earlier."""
    return (evidence.day or dt.date.max, evidence.created_at or dt.datetime.max.replace(tzinfo=dt.UTC),
            evidence.pk or 0)


def match(evidence: Evidence, image: Callable[[], Image.Image], found: Found,
          thumbnail: Callable[[Evidence], bytes]) -> reuse.Match | None:
    """How the later of ``evidence`` and the photo found repeats the earlier one, or None: the same bytes, or what
    ``reuse.compare`` of their report copies says (``image``: the new photo's; ``thumbnail``: a found one's)."""
    other = found.photo
    if other.sha256 and other.sha256 == evidence.sha256:
        return IDENTICAL
    try:
        theirs = Image.open(io.BytesIO(thumbnail(other)))
    except storage.ObjectMissing:
        return None  # nothing to compare with: its bytes were still compared above
    ours = image()
    return reuse.compare(theirs, ours) if _taken_for(other) > _taken_for(evidence) else reuse.compare(ours, theirs)


@dataclass(frozen=True)
class Links:
    """What a newly verified photo's search found: the first photo it repeats (and how), and the photos verified
    before it that repeat it and carry no flag yet (the copies of an original verified late), each with how."""

    original: Evidence | None
    how: reuse.Match | None
    copies: list[tuple[Evidence, reuse.Match]]


def reuse_links(evidence: Evidence, *, fingerprint: reuse.Fingerprint | None, thumbnail: bytes,
                index: PhotoIndex | None = None) -> Links:
    """Which photos ``evidence`` (its report copy ``thumbnail``) repeats, and which repeat it.

    The copies are not empty when the original is verified after them: Monday's photo confirmed on Wednesday,
    once the phone had a line again, after the same picture was given for Tuesday. The copy, not the original,
    carries the flag, and it points at the original. The candidates come from the database, or from ``index``
    where the caller keeps one. The photos of the same bytes cost no comparison, and with no candidate nothing
    is fetched or decoded."""
    found = index.candidates(evidence, fingerprint) if index is not None else candidates(evidence, fingerprint)
    load = index.thumbnail if index is not None else stored_thumbnail
    decoded: list[Image.Image] = []

    def image() -> Image.Image:
        if not decoded:
            decoded.append(Image.open(io.BytesIO(thumbnail)))
        return decoded[0]

    mine = _taken_for(evidence)
    matched = [(f.photo, how) for f in found if (how := match(evidence, image, f, load)) is not None]
    earlier = [(photo, how) for photo, how in matched if _taken_for(photo) < mine]
    original, how = min(earlier, key=lambda pair: _taken_for(pair[0])) if earlier else (None, None)
    copies = [(photo, how) for photo, how in matched if _taken_for(photo) > mine and photo.reused_from_id is None]
    return Links(original, how, copies)


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
