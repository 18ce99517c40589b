"""Links to a photo and its report copy, and the photo behind such a link where the application serves it.

Where the storage hands out links of its own (S3: a presigned GET), a photo's link is that. Where it does
not (files on local disk), the link points at this application, ``/api/v1/evidence/files/<token>/``, and
behaves like a presigned one: it is made only for a user who reads the photo, cannot be guessed or altered
(Django's signing: an HMAC under SECRET_KEY, with a salt of its own) and expires after
``DOWNLOAD_LINK_SECONDS``. It also names the user it was made for, and opening it checks again that this
user still reads the photo's site. The file served is the one the evidence record names, never a path
taken from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

from backend.errors import Forbidden, NotFound

from .. import storage
from ..models import Evidence
from ..selectors import evidence as evidence_selectors
from . import images

LINK_SALT = "consistency.evidence.file"
Which = Literal["original", "thumbnail"]
_CODES: dict[str, Which] = {"o": "original", "t": "thumbnail"}


def _file_of(evidence: Evidence, which: Which) -> tuple[str, str]:
    """(key, content type) of the original or of the report copy; the type is the one verified."""
    if which == "original":
        return evidence.key, evidence.declared_content_type
    return evidence.thumbnail_key, "image/jpeg"


def photo_link(evidence: Evidence, which: Which, *, reader=None, request=None) -> str | None:
    """A short-lived link to the verified photo (or its report copy) for ``reader``, who may read it; None
    before it is verified, or where the application would serve it and no reader is named."""
    if evidence.status != Evidence.Status.VERIFIED:
        return None
    key, content_type = _file_of(evidence, which)
    if not key:
        return None
    url = storage.download_url(key, content_type=content_type)
    if url is not None or reader is None:
        return url
    code = next(c for c, w in _CODES.items() if w == which)
    token = signing.dumps([str(evidence.public_id), code, reader.pk], salt=LINK_SALT, compress=True)
    path = reverse("evidence-file", kwargs={"token": token})
    return request.build_absolute_uri(path) if request is not None else path


@dataclass
class PhotoFile:
    file: IO[bytes]
    content_type: str
    filename: str


def photo_file(*, token: str) -> PhotoFile:
    """The file behind a link made by ``photo_link``: 404 if the link was not made here, was altered, or its
    user no longer reads the photo's site; 403 once it has expired."""
    try:
        public_id, code, reader_id = signing.loads(token, salt=LINK_SALT, max_age=settings.AWS_QUERYSTRING_EXPIRE)
    except signing.SignatureExpired:
        raise Forbidden("token: this photo link has expired; read the evidence again for a fresh link.",
                        field="token", code="link_expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise NotFound("token: no such photo.", field="token") from None
    reader = get_user_model().objects.filter(pk=reader_id, is_active=True).first()
    if reader is None or code not in _CODES:
        raise NotFound("token: no such photo.", field="token")
    # The scope of the user the link was made for, as of now: a link does not outlive its user's access.
    try:
        evidence = evidence_selectors.evidence_get(user=reader, public_id=public_id)
    except NotFound:
        raise NotFound("token: no such photo.", field="token") from None
    key, content_type = _file_of(evidence, _CODES[code])
    if evidence.status != Evidence.Status.VERIFIED or not key:
        raise NotFound("token: no such photo.", field="token")
    try:
        handle = storage.open_object(key)
    except storage.ObjectMissing:
        raise NotFound("token: the photo is missing from storage.", field="token") from None
    suffix = "" if code == "o" else "-report-copy"
    return PhotoFile(file=handle, content_type=content_type,
                     filename=f"{evidence.public_id}{suffix}.{images.ALLOWED_TYPES[content_type]}")
