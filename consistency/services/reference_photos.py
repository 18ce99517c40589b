"""Reference photos: what "right" looks like for a criterion (a clean restroom, the uniform worn properly).

One current photo per criterion key (keys carry over from one version of the standard to the next). Head office
puts one (a new one replaces the current one, which stays on record with ``replaced_at``) or removes it. The
image goes through the same checks as a photo of evidence (``images.inspect_photo``: a real JPEG or PNG, no
polyglot, no bomb) and is stored write-once with a small copy for lists.

Readers reach the files at stable addresses (``/api/v1/standard/reference-photos/<id>/original/`` and
``.../thumbnail/``): a photo never changes under its id (a replacement is a new id), so the standard's answer,
which names them, stays valid as long as its ETag, and a browser may keep the files. Everyone signed in reads
the standard, and so its reference photos.

``reference_photo_of`` is what the standard's answer shows for a criterion; the current photos are read once per
answer (``current_photos``, kept in the serializer's context), whatever the number of criteria.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from typing import IO

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from audit.models import Action
from audit.services import record
from backend.errors import AppError, NotFound, TooLarge

from .. import storage
from ..models import Criterion, ReferencePhoto
from . import images

CAPTION_MAX = 300
THUMBNAIL_PX = 400  # long side of the copy shown beside the control (a phone's list)
# Namespace of the lock that serialises two uploads for one key (pg_advisory_xact_lock(namespace, hash)); "REFP".
_LOCK_SPACE = 0x52454650
_MEMO = "_reference_photos"


def _criterion_exists(key: str) -> None:
    if not Criterion.objects.filter(key=key).exists():
        raise NotFound(f"key: no criterion of the standard has the key {key!r}.", field="key")


def reference_photo_put(*, user, criterion_key: str, file: IO[bytes], size: int, content_type: str,
                        caption: str = "") -> ReferencePhoto:
    """Store ``file`` as the reference photo of ``criterion_key``, replacing the current one. A file that is not
    an acceptable photo is refused (400, field ``file``) and leaves nothing behind."""
    _criterion_exists(criterion_key)
    caption = (caption or "").strip()
    if len(caption) > CAPTION_MAX:
        raise AppError(f"caption: at most {CAPTION_MAX} characters, not {len(caption)}.", field="caption")
    if size > settings.MAX_PHOTO_BYTES:
        raise TooLarge(f"file: a photo may be at most {settings.MAX_PHOTO_BYTES:,} bytes; this one is {size:,}.",
                       field="file")
    if content_type not in images.ALLOWED_TYPES:
        raise AppError(f"file: send a {images.ACCEPTED_NAMES} photo ({images.accepted_types()}), not "
                       f"{content_type or 'a file without a type'}.", field="file")
    try:
        facts = images.inspect_photo(file, declared_type=content_type)
    except images.NotAcceptable as refusal:
        raise AppError(f"file: {refusal}", field="file", code="photo_rejected") from None
    digest, actual = hashlib.sha256(), 0
    file.seek(0)
    while chunk := file.read(storage.CHUNK_BYTES):
        digest.update(chunk)
        actual += len(chunk)
    key = f"reference/{criterion_key}/{uuid.uuid4()}.{images.ALLOWED_TYPES[content_type]}"
    thumb = key.rsplit(".", 1)[0] + ".thumb.jpg"
    storage.put_new_all([(key, file, content_type), (thumb, io.BytesIO(_small(facts.thumbnail)), "image/jpeg")])
    try:
        with transaction.atomic():
            _lock(criterion_key)
            ReferencePhoto.objects.filter(criterion_key=criterion_key, replaced_at__isnull=True).update(
                replaced_at=timezone.now())
            made = ReferencePhoto.objects.create(
                criterion_key=criterion_key, key=key, thumbnail_key=thumb, content_type=content_type, size=actual,
                sha256=digest.hexdigest(), width=facts.width, height=facts.height, caption=caption,
                uploaded_by=user)
            record(Action.REFERENCE_PHOTO_SET, actor=user, target=made,
                   data={"criterion": criterion_key, "sha256": made.sha256, "caption": caption})
            return made
    except Exception:
        storage.delete(key)  # nothing half-saved: no stored file without its record
        storage.delete(thumb)
        raise


def reference_photo_remove(*, criterion_key: str, user=None) -> None:
    """The criterion shows no reference photo any more (the one it had stays on record, replaced now)."""
    with transaction.atomic():
        _lock(criterion_key)
        removed = ReferencePhoto.objects.filter(criterion_key=criterion_key, replaced_at__isnull=True).update(
            replaced_at=timezone.now())
        if removed:
            record(Action.REFERENCE_PHOTO_REMOVED, actor=user, target_type="consistency.referencephoto",
                   target_id=criterion_key, data={"criterion": criterion_key})
    if not removed:
        _criterion_exists(criterion_key)
        raise NotFound(f"key: {criterion_key!r} has no reference photo.", field="key")


def _lock(criterion_key: str) -> None:
    # Two uploads for one key at once: one after the other, so that each replaces the one before it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_SPACE, criterion_key])


def _small(thumbnail: bytes) -> bytes:
    """The copy shown beside the control: the inspection's upright 800 px copy, down to ``THUMBNAIL_PX``."""
    im = Image.open(io.BytesIO(thumbnail))
    im.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=images.THUMBNAIL_QUALITY)
    return out.getvalue()


# --- reading ---------------------------------------------------------------------------------------

def current_photos(memo: dict | None = None) -> dict[str, ReferencePhoto]:
    """{criterion key: its current reference photo}, in one query; kept in ``memo`` (a serializer's context, a
    request's) so that one answer reads them once."""
    if memo is not None and _MEMO in memo:
        return memo[_MEMO]
    photos = {p.criterion_key: p for p in ReferencePhoto.objects.filter(replaced_at__isnull=True)
              .only("id", "criterion_key", "caption", "width", "height", "thumbnail_key")}
    if memo is not None:
        memo[_MEMO] = photos
    return photos


def etag_part(memo: dict) -> str:
    """What the standard's ETag adds for its reference photos: which ones are current (ids never come back)."""
    ids = sorted(p.pk for p in current_photos(memo).values())
    return "-ref" + hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:12] if ids else ""


def photo_urls(photo: ReferencePhoto, request=None) -> dict:
    def url(which: str) -> str:
        path = reverse("reference-photo-file", kwargs={"pk": photo.pk, "which": which})
        return request.build_absolute_uri(path) if request is not None else path

    return {"url": url("original"), "thumbnail_url": url("thumbnail"), "caption": photo.caption,
            "width": photo.width, "height": photo.height}


def reference_photo_of(criterion_key: str, context: dict) -> dict | None:
    """The criterion's reference photo as the standard's answer shows it ({url, thumbnail_url, caption, width,
    height}), or None. ``context``: the serializer's (shared by every criterion of one answer: one query for
    all of them), with the ``request`` if any (absolute links)."""
    photo = current_photos(context).get(criterion_key)
    return photo_urls(photo, context.get("request")) if photo is not None else None


def file_response(*, pk: int, which: str):
    """A current reference photo's file (``which``: original | thumbnail): streamed from local disk or by a
    redirect to a short presigned GET on S3. 404 for a photo replaced or removed."""
    photo = ReferencePhoto.objects.filter(pk=pk, replaced_at__isnull=True).first()
    if photo is None or which not in ("original", "thumbnail"):
        raise NotFound("No such reference photo (it may have been replaced).", field="id")
    if which == "original":
        key, content_type = photo.key, photo.content_type
    else:
        key, content_type = photo.thumbnail_key, "image/jpeg"
    response = storage.serve(key, content_type=content_type, as_attachment=False, what="reference photo",
                             filename=f"{photo.criterion_key}-{which}.{images.ALLOWED_TYPES[content_type]}")
    if settings.STORAGE_BACKEND != "s3":
        response["Cache-Control"] = "private, max-age=86400, immutable"  # an id's file never changes
    return response
