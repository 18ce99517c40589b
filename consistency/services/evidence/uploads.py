"""A photo uploaded through the API (multipart): for storage without direct uploads (local disk), or a phone
that prefers it. The same checks as a confirmation run before anything is stored, and a refused file leaves
nothing behind."""

from __future__ import annotations

import hashlib
import io
from typing import IO, NamedTuple

from django.db import transaction

from backend.errors import AppError, Conflict, Unprocessable

from ... import storage
from ...models import Evidence
from .. import images, rollup
from . import duplicates
from .rejudging import rejudge
from .targets import Target, check_declared_size, check_room, criterion_of, new_key, thumbnail_key
from .verdicts import record_verified


class Uploaded(NamedTuple):
    evidence: Evidence
    replayed: bool  # a retry: the photo was already here, and nothing new was stored


def evidence_upload(*, user, target: Target, criterion_key: str | None, file: IO[bytes], size: int,
                    content_type: str, sha256: str | None = None, rejudge_now: bool = True) -> Uploaded:
    """Verify an uploaded file and, only if it is an acceptable photo, store it and record it verified.
    A refused file leaves nothing behind (422 with the reason).

    The same bytes sent again for the same check (or action) and criterion are a retry (a phone that lost
    the answer): it gets the evidence already recorded (``replayed``), stores nothing, and is answered even if
    the target closed since the first attempt. Other second copies stay refused (``_refuse_a_second_copy``).

    ``rejudge_now=False`` is for a caller that attaches several photos to one check inside its own
    transaction and then calls ``rejudge`` once for all of them (the demo seeding)."""
    criterion = criterion_of(target, criterion_key)
    check_declared_size(size, "file")
    if content_type not in images.ALLOWED_TYPES:
        sent = content_type or "a file without a type"
        raise AppError(f"file: send a {images.ACCEPTED_NAMES} photo ({images.accepted_types()}), not {sent}.",
                       field="file")

    digest, actual_size = hashlib.sha256(), 0
    file.seek(0)
    while chunk := file.read(storage.CHUNK_BYTES):
        digest.update(chunk)
        actual_size += len(chunk)
    check_declared_size(actual_size, "file")
    actual_sha = digest.hexdigest()
    if sha256 and sha256.lower() != actual_sha:
        raise Unprocessable("file: the file's SHA-256 does not match the one declared: the upload was altered "
                            "or incomplete.", field="sha256", code="photo_rejected")
    # Its bytes were verified when it was first sent: nothing to inspect again.
    same = duplicates.same_photo_here(target, criterion, actual_sha)
    if same is not None:
        return Uploaded(same, replayed=True)
    if (closed := target.closed_for(criterion.id)) is not None:
        raise closed
    check_room(target, criterion, user)
    try:
        facts = images.inspect_photo(file, declared_type=content_type)
    except images.NotAcceptable as refusal:
        raise Unprocessable(str(refusal), field="file", code="photo_rejected") from None

    public_id, key = new_key(target, content_type)
    try:
        storage.put_new_all([(key, file, content_type),
                             (thumbnail_key(key), io.BytesIO(facts.thumbnail), "image/jpeg")])
    except storage.KeyExists:
        raise Conflict("A photo is already stored under this key; originals are never overwritten.",
                       field="file", code="key_exists") from None
    try:
        with transaction.atomic():
            # Under the site's lock, so that a retried upload finds the first one: one photo never counts twice.
            rollup.lock_site(target.site.pk)
            # A retry that overtook its first attempt (the phone gave up waiting): that one is kept.
            same = duplicates.same_photo_here(target, criterion, actual_sha)
            if same is None:
                duplicates.refuse_a_second_copy(target, criterion, actual_sha, field="file")
                check_room(target, criterion, user)  # again, now that no other upload of the site can be counting
                evidence = Evidence(
                    public_id=public_id, key=key, **target.filter(), criterion_id=criterion.id, site=target.site,
                    day=target.day, uploaded_by=user, declared_content_type=content_type, declared_size=actual_size,
                    declared_sha256=(sha256 or actual_sha).lower(),
                )
                record_verified(evidence, size=actual_size, sha256=actual_sha, facts=facts)
                if target.daily_check is not None and rejudge_now:
                    rejudge(check_id=target.daily_check.pk, criterion_ids=[criterion.id])
    except Exception:
        # Nothing half-saved: no stored file without its record.
        storage.delete(key)
        storage.delete(thumbnail_key(key))
        raise
    if same is not None:
        storage.delete(key)
        storage.delete(thumbnail_key(key))
        return Uploaded(same, replayed=True)
    return Uploaded(evidence, replayed=False)
