"""The one limit on a request's body, applied before a byte of it is read.

Each view may declare how large a body it takes (:func:`body_limit`: a photo, a PDF to verify, a CSV export);
every other takes MAX_REQUEST_BYTES (Django's DATA_UPLOAD_MAX_MEMORY_SIZE, which does not count a multipart
body's files). ``LimitBodies`` (a middleware, before anything that reads a body: CSRF reads a form's) refuses
with 413

- a body whose Content-Length is over the limit, unread;
- a chunked body (no Content-Length) once the bytes counted while it streams in pass the limit: it is kept (in
  memory, or a temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE) up to the limit and not one chunk beyond, and
  the rest is never read.

A chunked body under the limit is then handed to Django with its length, which its parsers need (a multipart
body without Content-Length reads as empty under WSGI).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.shortcuts import render

from .errors import json_error

# Room for the multipart envelope and the small fields around a file.
MULTIPART_OVERHEAD = 64 * 1024
_READ_BYTES = 64 * 1024


@dataclass(frozen=True)
class Limit:
    file_bytes: Callable[[], int]  # read per request: a setting, which may change (tests)
    field: str = "file"
    what: str = "a file"
    # A page's own refusal, given the size seen (declared, or counted so far); else the generic 413 page.
    page: Callable | None = None

    @property
    def body_bytes(self) -> int:
        return self.file_bytes() + MULTIPART_OVERHEAD

    def message(self) -> str:
        return f"{self.field}: {self.what} may be at most {self.file_bytes():,} bytes."


class _Default(Limit):
    @property
    def body_bytes(self) -> int:
        return settings.MAX_REQUEST_BYTES

    def message(self) -> str:
        return f"The request body is over the limit of {settings.MAX_REQUEST_BYTES} bytes."


DEFAULT = _Default(file_bytes=lambda: settings.MAX_REQUEST_BYTES, field="body")


def body_limit(file_bytes: Callable[[], int], *, what: str, field: str = "file", page: Callable | None = None):
    """Declare on a view (function, or an API view's class) the largest file its body carries."""
    def mark(view):
        view.body_limit = Limit(file_bytes=file_bytes, field=field, what=what, page=page)
        return view
    return mark


def limit_of(view_func) -> Limit:
    for holder in (view_func, getattr(view_func, "cls", None), getattr(view_func, "view_class", None)):
        if (limit := getattr(holder, "body_limit", None)) is not None:
            return limit
    return DEFAULT


def _declared_length(meta) -> int | None:
    try:
        return int(meta["CONTENT_LENGTH"])
    except (KeyError, ValueError, TypeError):
        return None


class LimitBodies:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (spool := getattr(request, "_chunked_body", None)) is not None:
            response._resource_closers.append(spool.close)  # once the answer is sent
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        declared = _declared_length(request.META)
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not declared and not chunked:
            return None
        limit = limit_of(view_func)
        allowed = limit.body_bytes
        if declared:
            return self._refuse(request, limit, declared) if declared > allowed else None
        # Chunked: counted as it streams in, kept up to the limit and no further.
        spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE,
                                              dir=settings.FILE_UPLOAD_TEMP_DIR)
        source, size = request.environ["wsgi.input"], 0
        while chunk := source.read(_READ_BYTES):
            size += len(chunk)
            if size > allowed:
                spool.close()
                return self._refuse(request, limit, size)
            spool.write(chunk)
        spool.seek(0)
        request.META["CONTENT_LENGTH"] = str(size)
        request._stream = LimitedStream(spool, size)
        request._chunked_body = spool
        return None

    @staticmethod
    def _refuse(request, limit: Limit, size: int):
        # The rest of the body is not read: the server closes the connection after answering (gunicorn does
        # when a body is left unread), so a client that keeps sending gets the answer, then a reset.
        request.META["CONTENT_LENGTH"] = "0"
        request._stream = LimitedStream(request.environ["wsgi.input"], 0)
        if request.path_info.startswith("/api/"):
            return json_error(413, limit.message(), code="too_large", field=limit.field)
        if limit.page is not None and request.user.is_authenticated:
            return limit.page(request, size)
        return render(request, "413.html", {"message": limit.message()}, status=413)
