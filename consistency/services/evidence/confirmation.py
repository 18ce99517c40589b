"""A direct upload, confirmed: the object read back and verified, trusting nothing the phone declared.

The original kept is the server's own copy of the very bytes it verified (``storage.copy_if_unchanged``),
under a key no form can write to: an upload form stays valid for minutes and an S3 POST cannot be made
conditional. A verdict, once reached, is final (a second confirmation answers the first verdict without
looking at the object again).
"""

from __future__ import annotations

import tempfile
from functools import partial

from django.conf import settings
from django.db import transaction

from backend.errors import Conflict

from ... import storage
from ...models import Evidence
from .. import images, rollup
from ..checks import within_late_window
from . import duplicates, retakes
from .rejudging import rejudge
from .targets import thumbnail_key, upload_key
from .verdicts import record_verified, reject, store_thumbnail


def evidence_confirm(*, evidence: Evidence) -> Evidence:
    """Fetch the uploaded object and verify it. Verified -> the evidence; refused -> marked rejected
    with its reason, and a 422 naming it. Nothing uploaded yet -> 409, still pending."""
    if evidence.status == Evidence.Status.VERIFIED:
        return evidence  # a retried confirmation: the verdict stands, the object is not read again
    if evidence.status == Evidence.Status.REJECTED:
        raise Conflict(f"This photo was already refused: {evidence.reject_reason} Ask for a new upload.",
                       field="id", code="evidence_rejected")
    if evidence.daily_check_id is not None and not asked_while_open(evidence):
        # A verdict like any refusal (recorded, and counted as rejected by the settling), answered as a 409.
        reject(evidence, "The photo was asked for after its check's day had closed to new evidence (photos are "
                         f"accepted for LATE_CHECK_WINDOW_DAYS ({settings.LATE_CHECK_WINDOW_DAYS}) days after it).",
               field="id", code="check_closed", status_code=409)
    try:
        info = storage.stat(upload_key(evidence.key))
    except storage.ObjectMissing:
        raise Conflict("No photo has been uploaded for this evidence yet: upload it with the form you were "
                       "given, then confirm.", field="id", code="not_uploaded") from None

    # Metadata first: a refusal here costs no download. Then the bytes themselves.
    if info.size > settings.MAX_PHOTO_BYTES:
        reject(evidence, f"The uploaded file is {info.size:,} bytes; a photo may be at most "
                         f"{settings.MAX_PHOTO_BYTES:,}.")
    if info.size != evidence.declared_size:
        reject(evidence, f"The uploaded file is {info.size:,} bytes, not the {evidence.declared_size:,} declared.")
    if info.content_type and info.content_type != evidence.declared_content_type:
        reject(evidence, f"The file was uploaded as {info.content_type}, not the {evidence.declared_content_type} "
                         "declared.")
    with tempfile.TemporaryFile() as spool:
        try:
            fetched = storage.fetch(upload_key(evidence.key), spool, max_bytes=settings.MAX_PHOTO_BYTES)
        except storage.ObjectTooLarge:
            reject(evidence, f"The uploaded file is over the limit of {settings.MAX_PHOTO_BYTES:,} bytes.")
        except storage.ObjectMissing:
            raise Conflict("The uploaded photo has disappeared; upload it again, then confirm.", field="id",
                           code="not_uploaded") from None
        size, sha256 = fetched.size, fetched.sha256
        if size != evidence.declared_size:
            reject(evidence, f"The uploaded file is {size:,} bytes, not the {evidence.declared_size:,} declared.",
                   size=size, sha256=sha256)
        if sha256 != evidence.declared_sha256:
            reject(evidence, "The file's SHA-256 does not match the one declared: the upload was altered or "
                             "incomplete.", size=size, sha256=sha256)
        try:
            facts = images.inspect_photo(spool, declared_type=evidence.declared_content_type)
        except images.NotAcceptable as refusal:
            reject(evidence, str(refusal), size=size, sha256=sha256)
    return _accept(evidence.pk, fetched=fetched, facts=facts)


def asked_while_open(evidence: Evidence) -> bool:
    """Whether a check's photo was asked for while its day was open (``target_for_check``).

    The request decides, not the confirmation: a photo asked for in time is judged when its confirmation
    arrives, even after the window closed (the phone got a line back later). That is fair - the request
    declared the photo's SHA-256, so those exact bytes existed while the day was open - and bounded: no
    request can be made after the window, and the hourly ``settle_unconfirmed`` gives every request its
    verdict within ``UNCONFIRMED_PHOTO_HOURS``, so a day's numbers stop moving about that long after its
    window closed (while the scheduler runs). A request made after the day closed (only one recorded before
    this rule) is refused. A photo asked for past the window while a retake of its criterion was open is judged
    the same way (``retakes.asked_during_retake``)."""
    day = evidence.day or evidence.daily_check.date
    return (within_late_window(site=evidence.site, day=day, now=evidence.created_at)
            or retakes.asked_during_retake(evidence))


def _accept(evidence_pk: int, *, fetched: storage.Fetched, facts: images.PhotoFacts) -> Evidence:
    with transaction.atomic():
        # Locked, and re-read: a concurrent confirmation may have reached its verdict meanwhile. The photo's
        # row only: the site's lock is rejudge's to take, in the order every writer of the site takes it.
        evidence = (Evidence.objects.select_for_update(of=("self",)).select_related("site", "daily_check")
                    .get(pk=evidence_pk))
        if evidence.status != Evidence.Status.PENDING:
            return evidence
        # Under that lock, so only one confirmation writes the original: the server's copy of the upload, if
        # it is still the version that was hashed and inspected.
        try:
            storage.copy_if_unchanged(upload_key(evidence.key), evidence.key, etag=fetched.etag)
        except (storage.ObjectChanged, storage.ObjectMissing):
            raise Conflict("The photo was uploaded again while it was being checked; confirm again.", field="id",
                           code="upload_changed") from None
        store_thumbnail(evidence.key, facts)
        # The site's lock (after the I/O above), then: are these bytes verified already, by another way in (a
        # multipart upload, another request's form) or for the check this one's amends? They count once.
        rollup.lock_site(evidence.site_id)
        refused = duplicates.already_counted(
            site_id=evidence.site_id, action_id=evidence.action_id, audit_id=evidence.audit_id,
            day=evidence.daily_check.date if evidence.daily_check_id else None,
            criterion_id=evidence.criterion_id, sha256=fetched.sha256, exclude_pk=evidence.pk)
        if refused is None:
            record_verified(evidence, size=fetched.size, sha256=fetched.sha256, facts=facts)
            if evidence.daily_check_id:
                rejudge(check_id=evidence.daily_check_id, criterion_ids=[evidence.criterion_id])
        # The upload has served its purpose; a form used again before it expires only writes there.
        transaction.on_commit(partial(storage.delete, upload_key(evidence.key)), robust=True)
    if refused is not None:  # the copies made above go; the request stays, refused with the reason (a 409, as
        storage.delete(evidence.key)  # the same photo asked for or uploaded again is answered)
        storage.delete(thumbnail_key(evidence.key))
        reject(evidence, refused[1], size=fetched.size, sha256=fetched.sha256, field="id", code=refused[0],
               status_code=409)
    return evidence
