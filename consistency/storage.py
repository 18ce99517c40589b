"""Where photos and report PDFs live: presigned POSTs, streamed reads, write-once puts, and the one
signed-link scheme by which a person opens a stored file. ``consistency/`` and ``reports/`` both use it.

With ``STORAGE_BACKEND=s3`` this talks plain S3 through the client django-storages already built
(``default_storage.connection.meta.client``) and the bucket from settings, so AWS S3, MinIO or any
other S3 endpoint works by configuration alone. With ``local`` it uses the default FileSystemStorage;
direct uploads from the phone are then not available (the API takes multipart instead).

Links (``signed_link`` / ``open_link``): a link to a stored file always points at this application, names
the user it was made for, cannot be altered (Django's signing: an HMAC under SECRET_KEY, a salt per kind of
file) and expires after ``DOWNLOAD_LINK_SECONDS``. Whoever opens it, the caller checks again that this user
still reads the file; then the file is served: streamed from local disk, or, on S3, by a redirect to a
presigned GET that lives only seconds. So a link never outlives its user's access, whatever the storage.

Nothing here decides whether a photo is acceptable or who may read what; it moves bytes and signs links.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from backend.errors import Forbidden, NotFound

# Bounded buffer for every streamed read: the memory a confirmation holds does not grow with the photo.
CHUNK_BYTES = 64 * 1024


class ObjectMissing(Exception):
    """Nothing is stored under the key (the phone has not uploaded yet)."""


class ObjectTooLarge(Exception):
    def __init__(self, size: int | None):
        self.size = size
        super().__init__(f"object larger than allowed ({size} bytes)" if size else "object larger than allowed")


class KeyExists(Exception):
    """A write-once key already holds an object."""


class ObjectChanged(Exception):
    """The object was replaced since it was read (its ETag is no longer the one read)."""


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str


# S3 error codes that say "not now" rather than "never": the same request may well work a little later.
_TRANSIENT_CODES = {"500", "502", "503", "504", "SlowDown", "RequestTimeout", "InternalError",
                    "ServiceUnavailable", "RequestTimeTooSkewed"}


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is object storage being unreachable or failing for a while (a retry may work), as
    opposed to an answer that stays the same (a missing key, a refused permission). The one rule for the
    report workers (which retry with backoff) and the API (which answers 503 with Retry-After)."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(exc, (BotoConnectionError, HTTPClientError)):
        return True
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        return str(error.get("Code", "")) in _TRANSIENT_CODES or status.startswith("5")
    return False


def direct_upload_available() -> bool:
    """Phones can upload straight to object storage only where that storage is S3."""
    return settings.STORAGE_BACKEND == "s3"


def _s3():
    return default_storage.connection.meta.client, default_storage.bucket_name


def _is_missing(error) -> bool:
    # AWS answers a HEAD/GET of a missing key with 404 only if the credentials may list the bucket
    # (s3:ListBucket); without it, 403. Grant it: a 403 here is treated as the error it is, not as "missing".
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def presigned_post(*, key: str, content_type: str, size: int, expires_seconds: int) -> dict:
    """A form the phone posts the photo with, straight to S3.

    The policy pins the exact key, the exact Content-Type and the exact declared size (a
    content-length-range of [size, size], itself at most MAX_PHOTO_BYTES), and expires in minutes.
    S3 enforces these; endpoints that do not (moto) are covered by the checks on confirmation.
    """
    client, bucket = _s3()
    post = client.generate_presigned_post(
        Bucket=bucket, Key=key,
        Fields={"Content-Type": content_type},
        # botocore adds the bucket and key conditions itself.
        Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
        ExpiresIn=expires_seconds,
    )
    expires_at = timezone.now() + dt.timedelta(seconds=expires_seconds)
    return {"method": "POST", "url": post["url"], "fields": post["fields"], "expires_at": expires_at}


def stat(key: str) -> ObjectInfo:
    """Size and stored Content-Type of an object, or ObjectMissing."""
    if settings.STORAGE_BACKEND == "s3":
        from botocore.exceptions import ClientError

        client, bucket = _s3()
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                raise ObjectMissing(key) from error
            raise
        return ObjectInfo(size=int(head["ContentLength"]), content_type=head.get("ContentType", ""))
    if not default_storage.exists(key):
        raise ObjectMissing(key)
    return ObjectInfo(size=default_storage.size(key), content_type="")


@dataclass(frozen=True)
class Fetched:
    size: int
    sha256: str
    etag: str  # which version of the object these bytes were (S3); "" on local disk


def fetch(key: str, dest: IO[bytes], *, max_bytes: int) -> Fetched:
    """Stream the object into ``dest`` in CHUNK_BYTES pieces, hashing on the way.

    Stops with ObjectTooLarge as soon as more than ``max_bytes`` arrive, whatever the object's metadata
    claimed, so an object swapped after a HEAD cannot flood the disk.
    """
    digest = hashlib.sha256()
    size = 0
    etag, chunks = _open(key)
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise ObjectTooLarge(None)
        digest.update(chunk)
        dest.write(chunk)
    dest.flush()
    dest.seek(0)
    return Fetched(size, digest.hexdigest(), etag)


def _open(key: str):
    """(ETag, iterator of the object's bytes in CHUNK_BYTES pieces), or ObjectMissing."""
    if settings.STORAGE_BACKEND == "s3":
        from botocore.exceptions import ClientError

        client, bucket = _s3()
        try:
            response = client.get_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                raise ObjectMissing(key) from error
            raise
        return response.get("ETag", ""), _stream(response["Body"])
    if not default_storage.exists(key):
        raise ObjectMissing(key)
    return "", _read_file(key)


def _stream(body):
    try:
        yield from body.iter_chunks(CHUNK_BYTES)
    finally:
        body.close()


def _read_file(key: str):
    with default_storage.open(key, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def copy_if_unchanged(source: str, dest: str, *, etag: str) -> None:
    """Copy ``source`` to ``dest`` inside the bucket (no bytes through this server), only if ``source`` is
    still the version whose ETag is ``etag`` (ObjectChanged otherwise: it was replaced since it was read;
    AWS S3 and MinIO enforce the condition atomically). S3 only: direct uploads exist only there."""
    from botocore.exceptions import ClientError

    client, bucket = _s3()
    try:
        client.copy_object(Bucket=bucket, Key=dest, CopySource={"Bucket": bucket, "Key": source},
                           CopySourceIfMatch=etag, MetadataDirective="COPY")
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 412 or error.response.get("Error", {}).get("Code") == "PreconditionFailed":
            raise ObjectChanged(source) from error
        if _is_missing(error):
            raise ObjectMissing(source) from error
        raise


def put_new(key: str, fileobj: IO[bytes], *, content_type: str) -> None:
    """Store ``fileobj`` under ``key`` only if nothing is there yet (KeyExists otherwise).

    Originals are never overwritten: S3 is asked with ``If-None-Match: *`` (a conditional write that
    AWS S3 and MinIO enforce atomically); the local storage opens files with O_EXCL and would rename on
    a clash, which we detect and undo.
    """
    fileobj.seek(0)
    if settings.STORAGE_BACKEND == "s3":
        from botocore.exceptions import ClientError

        client, bucket = _s3()
        try:
            client.put_object(Bucket=bucket, Key=key, Body=fileobj, ContentType=content_type, IfNoneMatch="*")
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = error.response.get("Error", {}).get("Code")
            if status in (409, 412) or code in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise KeyExists(key) from error
            raise
        return
    if default_storage.exists(key):
        raise KeyExists(key)
    saved = default_storage.save(key, File(fileobj, name=key))
    if saved != key:  # another writer got there between exists() and save(): keep theirs, drop ours
        default_storage.delete(saved)
        raise KeyExists(key)


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    # Long-lived threads: django-storages keeps one S3 connection per thread, so a fresh thread per
    # request would pay for a new client every time.
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="evidence-put")
        return _POOL


def put_new_all(items: list[tuple[str, IO[bytes], str]]) -> None:
    """``put_new`` for several (key, file, content type) at once - concurrently on S3, where each write is a
    round trip. All or nothing: if one fails, the ones this call wrote are deleted and the first error
    is raised (KeyExists for a key that was taken: that object is someone else's and stays)."""
    if settings.STORAGE_BACKEND != "s3" or len(items) < 2:
        outcomes = []
        for key, fileobj, content_type in items:
            try:
                put_new(key, fileobj, content_type=content_type)
                outcomes.append((key, None))
            except Exception as error:
                outcomes.append((key, error))
                break
    else:
        futures = [(key, _pool().submit(put_new, key, fileobj, content_type=content_type))
                   for key, fileobj, content_type in items]
        outcomes = [(key, future.exception()) for key, future in futures]
    errors = [error for _, error in outcomes if error is not None]
    if errors:
        for key, error in outcomes:
            if error is None:
                delete(key)
        raise errors[0]


def delete(key: str) -> None:
    """Remove an object this server wrote moments ago and could not record (never an original on record)."""
    if settings.STORAGE_BACKEND == "s3":
        client, bucket = _s3()
        client.delete_object(Bucket=bucket, Key=key)
    else:
        default_storage.delete(key)


def exists(key: str) -> bool:
    try:
        stat(key)
    except ObjectMissing:
        return False
    return True


def read_bytes(key: str, *, max_bytes: int) -> bytes:
    """The whole object, for small server-made files only (thumbnails): read in one piece of at most
    ``max_bytes`` + 1 (ObjectTooLarge past it), so a render holding 200 of them holds each once."""
    if settings.STORAGE_BACKEND == "s3":
        from botocore.exceptions import ClientError

        client, bucket = _s3()
        try:
            body = client.get_object(Bucket=bucket, Key=key)["Body"]
        except ClientError as error:
            if _is_missing(error):
                raise ObjectMissing(key) from error
            raise
        try:
            data = body.read(max_bytes + 1)
        finally:
            body.close()
    else:
        try:
            with default_storage.open(key, "rb") as handle:
                data = handle.read(max_bytes + 1)
        except FileNotFoundError:
            raise ObjectMissing(key) from None
    if len(data) > max_bytes:
        raise ObjectTooLarge(None)
    return data


def open_object(key: str) -> IO[bytes]:
    """The object opened for reading, or ObjectMissing."""
    try:
        return default_storage.open(key, "rb")
    except FileNotFoundError:
        raise ObjectMissing(key) from None


# The presigned GET behind an opened link is followed at once by the browser: it need not live longer.
REDIRECT_SECONDS = 60


def _presigned_get(key: str, *, content_type: str, disposition: str) -> str:
    client, bucket = _s3()
    # The response type is forced to what was verified, so a browser never sniffs it as anything else.
    return client.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": key, "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition},
        ExpiresIn=min(REDIRECT_SECONDS, settings.AWS_QUERYSTRING_EXPIRE),
    )


def signed_link(*, url_name: str, salt: str, subject: list, reader, request=None) -> str:
    """A link to ``url_name`` (a view taking ``token``) for ``reader``, who may read what ``subject`` names
    now; absolute when ``request`` is given."""
    token = signing.dumps([*subject, reader.pk], salt=salt, compress=True)
    path = reverse(url_name, kwargs={"token": token})
    return request.build_absolute_uri(path) if request is not None else path


def open_link(token: str, *, salt: str, what: str, renew: str, opener=None) -> tuple[list, object]:
    """(subject, user) of a link made by ``signed_link``: 404 naming ``token`` when it was not made here, was
    altered, or its user is gone; 403 ``link_expired`` once it has expired, saying how to get a fresh one
    (``renew``); 403 ``link_of_another_user`` when ``opener`` is signed in as someone else than the user the
    link was made for. The caller checks the user's access to the subject again and answers 404 if it is lost.

    A link opened with no sign-in at all (a tab, an ``<img>``) is its user's: it is short-lived and names them."""
    try:
        *subject, reader_id = signing.loads(token, salt=salt, max_age=settings.AWS_QUERYSTRING_EXPIRE)
    except signing.SignatureExpired:
        raise Forbidden(f"token: this {what} link has expired; {renew}.", field="token", code="link_expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise NotFound(f"token: no such {what}.", field="token") from None
    if opener is not None and opener.is_authenticated and opener.pk != reader_id:
        raise Forbidden(f"token: this {what} link was made for another user; {renew}.", field="token",
                        code="link_of_another_user")
    reader = get_user_model().objects.filter(pk=reader_id, is_active=True).first()
    if reader is None:
        raise NotFound(f"token: no such {what}.", field="token")
    return subject, reader


def serve(key: str, *, content_type: str, filename: str, as_attachment: bool, what: str) -> HttpResponse:
    """The answer to an opened link, once the caller has checked its user's access: the file streamed from
    local disk, or a redirect to a short presigned GET on S3 (no bytes through this server)."""
    disposition = f'{"attachment" if as_attachment else "inline"}; filename="{filename}"'
    if settings.STORAGE_BACKEND == "s3":
        response = HttpResponseRedirect(_presigned_get(key, content_type=content_type, disposition=disposition))
    else:
        try:
            handle = open_object(key)
        except ObjectMissing:
            raise NotFound(f"token: the {what} is missing from storage.", field="token") from None
        response = FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename)
    # The type is the one verified; no browser may guess another, or run anything in the response.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # A redirect is not kept: the presigned link in it expires sooner than the link that led to it.
    response["Cache-Control"] = ("no-store" if settings.STORAGE_BACKEND == "s3"
                                 else f"private, max-age={settings.AWS_QUERYSTRING_EXPIRE}")
    return response
