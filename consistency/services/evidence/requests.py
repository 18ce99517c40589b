"""A direct upload to S3, asked for: a pending evidence and the presigned POST the phone sends its photo with."""

from __future__ import annotations

from django.db import transaction

from backend.errors import Unprocessable

from ... import storage
from ...models import Evidence
from .. import rollup
from . import duplicates
from .targets import Target, check_declared_size, check_room, criterion_of, new_key, upload_key

UPLOAD_EXPIRES_SECONDS = 300


def evidence_request(*, user, target: Target, criterion_key: str, content_type: str, size: int,
                     sha256: str) -> tuple[Evidence, dict]:
    """A pending evidence and the presigned POST the phone uploads it with.

    A retry with the same photo (same criterion and SHA-256) while it is still pending gets the same
    evidence and key back with a fresh form, so a phone that lost the answer does not leave a trail, even
    when the retry arrives while the first request is still being answered, or once the target has closed
    (the photo was asked for in time: ``confirmation.asked_while_open``).
    """
    if not storage.direct_upload_available():
        raise Unprocessable("This server keeps photos on its own storage, without direct uploads: send the "
                            "photo as multipart (fields 'file' and 'criterion') to this same address.",
                            field="content_type", code="direct_upload_unavailable")
    check_declared_size(size, "size")
    criterion = criterion_of(target, criterion_key)
    sha256 = sha256.lower()
    with transaction.atomic():
        # The site's lock (every writer of the site's days takes it first): a retry that arrives while the
        # first request runs waits for it, then finds its evidence below.
        rollup.lock_site(target.site.pk)
        evidence = Evidence.objects.filter(**target.filter(), criterion_id=criterion.id, declared_sha256=sha256,
                                           status=Evidence.Status.PENDING, declared_content_type=content_type,
                                           declared_size=size).first()
        if evidence is None and (closed := target.closed_for(criterion.id)) is not None:
            raise closed
        duplicates.refuse_a_second_copy(target, criterion, sha256, field="sha256")
        if evidence is None:
            check_room(target, criterion, user)
            public_id, key = new_key(target, content_type)
            evidence = Evidence.objects.create(
                public_id=public_id, key=key, **target.filter(), criterion_id=criterion.id, site=target.site,
                day=target.day, uploaded_by=user, declared_content_type=content_type, declared_size=size,
                declared_sha256=sha256,
            )
    upload = storage.presigned_post(key=upload_key(evidence.key), content_type=content_type, size=size,
                                    expires_seconds=UPLOAD_EXPIRES_SECONDS)
    return evidence, upload
