"""Links to a photo and its report copy, and the answer behind such a link.

A photo's link is the one scheme of ``consistency.storage`` (``signed_link``/``open_link``/``serve``), as a
report's PDF link is: made only for a user who reads the photo, ``/api/v1/evidence/files/<token>/``, unguessable,
expiring after ``DOWNLOAD_LINK_SECONDS``, naming its user; opening it checks again that this user still reads
the photo's site, then serves the file (local disk) or redirects to a presigned GET of seconds (S3). The file
served is the one the evidence record names, never a path taken from the request.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpResponse

from backend.errors import NotFound

from .. import storage
from ..models import Evidence
from ..selectors import evidence as evidence_selectors
from . import images

LINK_SALT = "consistency.evidence.file"
Which = Literal["original", "thumbnail"]
_CODES: dict[str, Which] = {"o": "original", "t": "thumbnail"}
_WHAT, _RENEW = "photo", "read the evidence again for a fresh link"


def _file_of(evidence: Evidence, which: Which) -> tuple[str, str]:
    """(key, content type) of the original or of the report copy; the type is the one verified."""
    if which == "original":
        return evidence.key, evidence.declared_content_type
    return evidence.thumbnail_key, "image/jpeg"


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
    return storage.serve(key, content_type=content_type, as_attachment=False, what=_WHAT,
                         filename=f"{evidence.public_id}{suffix}.{images.ALLOWED_TYPES[content_type]}")
