"""Links to a photo and its report copy, and the answer behind such a link.

A photo's link is the one scheme of ``consistency.storage`` (``signed_link``/``open_link``/``serve``), as a
report's PDF link is: made only for a user who reads the photo, ``/api/v1/evidence/files/<token>/``, unguessable,
expiring after ``DOWNLOAD_LINK_SECONDS``, naming its user; opening it checks again that this user still reads
the photo's site, then serves the file (local disk) or redirects to a presigned GET of seconds (S3). The file
served is the one the evidence record names, never a path taken from the request.

The original's link opens the original bytes for head office and auditors only (``reads_originals``); every other
reader (a manager, a mystery shopper, department staff) gets a copy without where the photo was taken
(``photo_location``), made on the first such read and kept under a derived key (``location_free_key``). Made on
first read rather than at verification: most photos are never opened full size, and a copy of each would double
the storage of every photo for the few that are; the first opening pays for reading it once (at most
``MAX_PHOTO_BYTES``), later ones are served as the original is.
"""

from __future__ import annotations

import io
from typing import Literal

from django.conf import settings
from django.http import HttpResponse

from backend.errors import NotFound
from sites import access
from sites.models import Role

from .. import storage
from ..models import Evidence
from ..selectors import evidence as evidence_selectors
from . import images, photo_location

LINK_SALT = "consistency.evidence.file"
Which = Literal["original", "thumbnail"]
_CODES: dict[str, Which] = {"o": "original", "t": "thumbnail"}
_WHAT, _RENEW = "photo", "read the evidence again for a fresh link"


def _file_of(evidence: Evidence, which: Which) -> tuple[str, str]:
    """(key, content type) of the original or of the report copy; the type is the one verified."""
    if which == "original":
        return evidence.key, evidence.declared_content_type
    return evidence.thumbnail_key, "image/jpeg"


def reads_originals(user) -> bool:
    """Head office and auditors open a photo's original bytes, with where it was taken; other readers a copy
    without its location (module docstring)."""
    return access.role_of(user) in (Role.HEAD_OFFICE, Role.AUDITOR)


def location_free_key(evidence: Evidence) -> str:
    """Where the original's copy without its location is kept, next to the original."""
    extension = images.ALLOWED_TYPES.get(photo_location.output_type(evidence.declared_content_type), "jpg")
    return f"{evidence.key.rsplit('.', 1)[0]}.nolocation.{extension}"


def _location_free(evidence: Evidence) -> tuple[str, str]:
    """(key, content type) of the original's copy without its location, made now if it is not stored yet."""
    content_type = photo_location.output_type(evidence.declared_content_type)
    derived = location_free_key(evidence)
    if not storage.exists(derived):
        try:
            data = storage.read_bytes(evidence.key, max_bytes=settings.MAX_PHOTO_BYTES)
        except storage.ObjectMissing:
            raise NotFound("token: the photo is missing from storage.", field="token") from None
        stripped, content_type = photo_location.without_location(data, evidence.declared_content_type)
        try:
            storage.put_new(derived, io.BytesIO(stripped), content_type=content_type)
        except storage.KeyExists:  # another reader's first opening made it a moment ago: the same bytes
            pass
    return derived, content_type


def _stored_verified(evidence: Evidence) -> bool:
    """Verified, or verified and later rejected on review (its bytes stay, for the history)."""
    return evidence.status == Evidence.Status.VERIFIED or (evidence.status == Evidence.Status.REJECTED
                                                           and evidence.verified_at is not None)


def photo_link(evidence: Evidence, which: Which, *, reader=None, request=None) -> str | None:
    """A short-lived link to the verified photo (or its report copy) for ``reader``, who may read it; None
    before it is verified, or when no reader is named. A photo rejected on review keeps its link: it was
    verified, and the history shows what was rejected."""
    if not _stored_verified(evidence) or reader is None:
        return None
    key, _ = _file_of(evidence, which)
    if not key:
        return None
    code = next(c for c, w in _CODES.items() if w == which)
    return storage.signed_link(url_name="evidence-file", salt=LINK_SALT, subject=[str(evidence.public_id), code],
                               reader=reader, request=request)


def photo_response(*, token: str, opener=None) -> HttpResponse:
    """The answer to a link made by ``photo_link``: 404 if the link was not made here, was altered, or its
    user no longer reads the photo's site; 403 once it has expired, or to another signed-in user."""
    subject, reader = storage.open_link(token, salt=LINK_SALT, what=_WHAT, renew=_RENEW, opener=opener)
    try:
        public_id, code = subject
    except ValueError:
        raise NotFound("token: no such photo.", field="token") from None
    if code not in _CODES:
        raise NotFound("token: no such photo.", field="token")
    # The scope of the user the link was made for, as of now: a link does not outlive its user's access.
    try:
        evidence = evidence_selectors.evidence_get(user=reader, public_id=public_id)
    except NotFound:
        raise NotFound("token: no such photo.", field="token") from None
    key, content_type = _file_of(evidence, _CODES[code])
    if not _stored_verified(evidence) or not key:
        raise NotFound("token: no such photo.", field="token")
    suffix = "" if code == "o" else "-report-copy"
    if code == "o" and not reads_originals(reader):  # named as the original is: it stands for it
        key, content_type = _location_free(evidence)
    return storage.serve(key, content_type=content_type, as_attachment=False, what=_WHAT,
                         filename=f"{evidence.public_id}{suffix}.{images.ALLOWED_TYPES[content_type]}")
