"""/app/feedback/ (head office): upload a survey tool's CSV export; see what was imported and every bad row.

The import is the command's (``customer.services.feedback.feedback_import``, the one import service); the page
adds a form and HTML. It runs while the person waits: an export of up to 3 MB (about 65,000 rows) takes
seconds (bench/RESULTS-feedback.md gives the rate); larger exports go through ``manage.py import_feedback``. A resent form (reload, a double click) is the same import, answered with its first report
through the Idempotency-Key service, so nothing is imported twice. The import and its stored report commit in
that service's one transaction (the import's batches are savepoints in it): a page import is stored whole or not at
all.
"""

from __future__ import annotations

import hashlib
import uuid

import orjson
from django import forms
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from backend.body_limits import body_limit
from backend.errors import AppError, Conflict, Unprocessable
from consistency.services import idempotency
from customer.services.feedback import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, feedback_import
from sites.models import Role

from ..format import count
from .common import page, require_role

# The import runs in the request, and gunicorn's sync workers are killed after 30 s (infra/gunicorn.conf.py): 3 MB
# is about 65,000 short rows, ~20 s at the slowest rate bench/RESULTS-feedback.md measured (3,200 rows/s on a
# machine loaded ~8x over its 2 CPUs), seconds on an idle one.
MAX_UPLOAD_BYTES = 3 * 1024 * 1024
MAX_UPLOAD_LABEL = "3 MB"
SHOWN_PROBLEMS = 200


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV export"), widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
                           error_messages={"required": _("file: choose the CSV file to import."),
                                           "empty": _("file: the file is empty.")})
    dry_run = forms.BooleanField(required=False, label=_("Only check the file (store nothing)"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=255,
                                      error_messages={"required": _("This form has no upload key; it was renewed, "
                                                                    "choose the file again.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = str(uuid.uuid4())

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_too_large(upload.size))
        return upload


def _too_large(size: int) -> str:
    return gettext("file: the file is %(size)s MB; this page imports files of up to %(limit)s. Split the export, or "
                   "import it with manage.py import_feedback, which takes any size.") % {
        "size": f"{size / 1024 / 1024:.1f}", "limit": MAX_UPLOAD_LABEL}


class _SizeLimit(FileUploadHandler):
    """Stops reading the file past the limit (the body's own limit, backend.body_limits, allows for the form's
    other fields): the rest is not written to disk."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > MAX_UPLOAD_BYTES:
            self.request.feedback_upload_too_large = start + len(raw_data)
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


# A body over the limit (declared, or counted as it streams in) is refused unread by backend.body_limits, with this
# page's own message; nothing changes, so no CSRF check is needed to say no.
@body_limit(lambda: MAX_UPLOAD_BYTES, what="a CSV export",
            page=lambda request, size: _page(request, UploadForm(), status=413, refusal=("file", _too_large(size))))
@csrf_exempt  # checked below, once the size guard is in place: Django's CSRF check would read the body first
@page
@require_http_methods(["GET", "POST"])
def feedback(request):
    require_role(request, Role.HEAD_OFFICE)
    if request.method == "POST":
        request.upload_handlers.insert(0, _SizeLimit(request))
        return csrf_protect(_upload)(request)
    return _page(request, UploadForm())


def _upload(request):
    form = UploadForm(request.POST, request.FILES)
    too_large = getattr(request, "feedback_upload_too_large", None)
    if too_large is not None:
        return _page(request, UploadForm(), status=413, refusal=("file", _too_large(too_large)))
    if not form.is_valid():
        return _page(request, form, status=400)
    upload, dry_run = form.cleaned_data["file"], form.cleaned_data["dry_run"]
    # What makes a resent form "the same import": the file's bytes and whether it only checks.
    digest = hashlib.sha256(b"dry-run" if dry_run else b"import")
    for chunk in upload.chunks():
        digest.update(chunk)
    fingerprint = idempotency.fingerprint(method="POST", path=reverse("pages:feedback"),
                                          body=digest.hexdigest().encode())

    def run() -> tuple[int, bytes]:
        upload.seek(0)
        report = feedback_import(upload.file, user=request.user, dry_run=dry_run, keep=SHOWN_PROBLEMS)
        return 200, orjson.dumps({
            "file": upload.name, "dry_run": report.dry_run, "rows": report.rows, "imported": report.imported,
            "bad": report.bad, "problems": [str(p) for p in report.problems], "more": report.more_problems,
            "ignored_columns": report.ignored_columns})

    try:
        stored = idempotency.idempotent(user=request.user, key=form.cleaned_data["idempotency_key"],
                                        request_fingerprint=fingerprint, run=run)
    except Unprocessable:
        # This form already imported another file (Back, another file chosen, sent again): a new form, a new key.
        return _page(request, UploadForm(), status=422, refusal=(
            None, gettext("This form was already used for another file; choose the file and import again.")))
    except Conflict as exc:
        return _page(request, UploadForm(), status=exc.status_code, refusal=(None, (
            gettext("This file is still being imported (the form was sent twice); wait a moment and reload.")
            if exc.code == "idempotency_in_progress" else exc.message)))
    except AppError as exc:  # the file refused whole (no header, a required column missing): nothing stored
        return _page(request, UploadForm(), status=exc.status_code, refusal=("file", exc.message))
    if stored.replayed:
        messages.info(request, gettext("This file was already sent with this form; here is its report (nothing "
                                       "was imported twice)."))
    return _page(request, UploadForm(), result=orjson.loads(stored.content))


def _page(request, form: UploadForm, *, status: int = 200, result: dict | None = None,
          refusal: tuple[str | None, str] | None = None):
    """The page; ``refusal``: (the field it concerns or None, the message), shown beside the field, with a fresh
    form (and so a fresh key) to try again."""
    if result is not None:  # counts written as every page writes them (pages/format.py)
        result = {**result, **{f"{name}_shown": count(result[name]) for name in ("rows", "imported", "bad", "more")}}
    return render(request, "pages/feedback.html", {
        "form": form, "result": result, "required_columns": REQUIRED_COLUMNS, "optional_columns": OPTIONAL_COLUMNS,
        "max_upload": MAX_UPLOAD_LABEL, "shown_problems": SHOWN_PROBLEMS,
        "file_refusal": refusal[1] if refusal and refusal[0] == "file" else None,
        "form_refusal": refusal[1] if refusal and refusal[0] is None else None,
    }, status=status)
