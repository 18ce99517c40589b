"""A photo's verdict, recorded once: verified with what its inspection found and its trust flags, or refused
with the reason (kept for auditors)."""

from __future__ import annotations

import io
from typing import NoReturn

from django.db import transaction
from django.utils import timezone

from backend import metrics
from backend.errors import Conflict, Unprocessable

from ... import storage
from ...models import Evidence, PhotoKey
from .. import capture, images, photo_days
from .. import evidence_trust as trust
from ..reuse import Match
from . import retakes
from .targets import thumbnail_key


def record_verified(evidence: Evidence, *, size: int, sha256: str, facts: images.PhotoFacts) -> None:
    """Save ``evidence`` verified, with what its inspection found, its trust flags and the keys it is found by
    (``PhotoKey``). A check's photo answers a retake asked for its day and criterion, if one waits
    (``retakes.fulfil``)."""
    copies = fill_verified(evidence, size=size, sha256=sha256, facts=facts)
    evidence.save()
    PhotoKey.objects.bulk_create(trust.photo_keys(evidence, facts.fingerprint))
    metrics.photo_verdict("verified")
    if evidence.audit_id is None:  # an audit's photo counts in no site's variance totals (photo_days)
        photo_days.photo_verified(evidence)
    flag_copies(evidence, copies)
    if evidence.daily_check_id is not None:
        retakes.fulfil(evidence, now=evidence.verified_at)


def fill_verified(evidence: Evidence, *, size: int, sha256: str, facts: images.PhotoFacts,
                  index: trust.PhotoIndex | None = None, verified_at=None) -> list[tuple[Evidence, Match]]:
    """Set ``evidence``'s fields as verified (unsaved), with the photo it repeats and how; returns the photos
    verified before it that repeat it, each with how (``flag_copies``). ``index``: where the caller keeps the
    verified photos in memory (``trust.PhotoIndex``; the caller stores the keys, ``trust.photo_keys``)."""
    tz = evidence.site.tz
    evidence.size = size
    evidence.sha256 = sha256
    evidence.width, evidence.height = facts.width, facts.height
    evidence.captured_at = trust.capture_instant(facts.captured_local, facts.captured_offset, tz)
    evidence.phash = facts.phash
    (evidence.phash_band0, evidence.phash_band1,
     evidence.phash_band2, evidence.phash_band3) = trust.phash_bands(facts.phash) if facts.phash else (None,) * 4
    evidence.thumbnail_key = thumbnail_key(evidence.key)
    evidence.status = Evidence.Status.VERIFIED
    evidence.verified_at = verified_at or timezone.now()
    evidence.stale_capture = trust.is_stale(evidence.captured_at, evidence.day, tz)
    capture.apply(evidence, facts)  # blurred or dark, edited, captured after its upload, far from the site, C2PA
    links = trust.reuse_links(evidence, fingerprint=facts.fingerprint, thumbnail=facts.thumbnail, index=index)
    evidence.reused_from = links.original
    _set_how(evidence, links.how)
    return links.copies


def _set_how(evidence: Evidence, how: Match | None) -> None:
    evidence.reuse_kind = how.kind if how else ""
    evidence.reuse_score = how.score if how else None
    evidence.reuse_detail = how.detail[:200] if how else ""


def flag_copies(evidence: Evidence, copies: list[tuple[Evidence, Match]]) -> None:
    """Photos verified before ``evidence`` that repeat it carry the flag, not the original: they point at it,
    with how each repeats it. One UPDATE for them all; those flagged meanwhile are left as they are (a flag is
    written once)."""
    if copies:
        how = {photo.pk: match for photo, match in copies}
        flagged = list(Evidence.objects.select_for_update().filter(pk__in=how, reused_from__isnull=True)
                       .values_list("pk", "site_id", "day", "stale_capture", "audit_id"))
        updates = []
        for pk, *_ in flagged:
            copy = Evidence(pk=pk, reused_from=evidence)
            _set_how(copy, how[pk])
            updates.append(copy)
        Evidence.objects.bulk_update(updates, ["reused_from", "reuse_kind", "reuse_score", "reuse_detail"])
        # Audits' photos are in no site's photo totals: only the others' flags count there.
        photo_days.copies_flagged([where for _, *where, audit_id in flagged if audit_id is None])


class Refused(Unprocessable):
    """A photo refused, and its refusal recorded: an outcome (it stays), answered as a 422 or a 409."""


def reject(evidence: Evidence, reason: str, *, size: int | None = None, sha256: str = "", field: str = "file",
           code: str = "photo_rejected", status_code: int | None = None) -> NoReturn:
    """Record the refusal (it stays, for auditors) and raise it: 422 (or ``status_code``) with the reason."""
    reason = reason[:300]
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        verdict = locked.status
        if verdict == Evidence.Status.PENDING:
            locked.status = Evidence.Status.REJECTED
            locked.reject_reason = reason
            locked.size = size
            locked.sha256 = sha256
            locked.save(update_fields=["status", "reject_reason", "size", "sha256"])
            metrics.photo_verdict("rejected")
            evidence.status, evidence.reject_reason = locked.status, reason
    if verdict != Evidence.Status.PENDING:  # a concurrent confirmation reached a verdict first; it stands
        raise Conflict(f"This photo already has a verdict ({verdict}); it is not judged again.", field="id",
                       code="evidence_decided")
    raise Refused(reason, field=field, code=code, status_code=status_code)


def store_thumbnail(key: str, facts: images.PhotoFacts) -> None:
    """The 800 px copy that reports embed, made once, when the photo is verified."""
    thumb = thumbnail_key(key)
    try:
        storage.put_new(thumb, io.BytesIO(facts.thumbnail), content_type="image/jpeg")
    except storage.KeyExists:
        # Left by an attempt that failed after storing it (the photo is still pending, and its lock is held):
        # this one is made from the bytes now on record.
        storage.delete(thumb)
        storage.put_new(thumb, io.BytesIO(facts.thumbnail), content_type="image/jpeg")
