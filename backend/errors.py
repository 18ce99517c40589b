"""One error type for the application and one shape for every 4xx.

Every refusal answers::

    {"code": "invalid", "message": "results[2].value: A score must be between 1 and 5.",
     "field": "results[2].value", "errors": [{"code": ..., "message": ..., "field": ...}, ...]}

``code``/``message``/``field`` describe the first problem; ``errors`` lists them all so a form can
mark every field at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


@dataclass
class FieldError:
    message: str
    field: str | None = None
    code: str = "invalid"

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "field": self.field}


class AppError(Exception):
    """A refusal the service layer raises; the API turns it into the standard 4xx body."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    headers: dict[str, str] = {}  # sent with the refusal, e.g. Retry-After (backend.quotas)

    def __init__(self, message: str | None = None, *, field: str | None = None, code: str | None = None,
                 status_code: int | None = None, errors: list[FieldError] | None = None):
        if errors is None:
            errors = [FieldError(message or "Invalid request.", field, code or self.default_code)]
        self.errors = errors
        self.code = code or errors[0].code
        self.message = message or errors[0].message
        self.field = field if field is not None else errors[0].field
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message)


class Conflict(AppError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class NotFound(AppError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"


class Forbidden(AppError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"


class Unprocessable(AppError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class TooLarge(AppError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class StorageUnavailable(AppError):
    """Object storage (S3) is unreachable or failing for a while: nothing was decided, the same request may
    work a little later. A 503 with Retry-After, so a phone keeps its photo and retries with the same key."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "storage_unavailable"
    retry_after = 30  # seconds; S3's own incidents last minutes, a phone retrying sooner only adds load
    headers = {"Retry-After": str(retry_after)}

    def __init__(self):
        super().__init__(f"The photo and report storage is not answering right now; nothing was changed. Try "
                         f"again in {self.retry_after} seconds with the same Idempotency-Key.")


def _flatten(detail, prefix: str | None = None) -> list[FieldError]:
    """Turn DRF's nested error detail into a flat list with dotted/indexed field paths."""
    out: list[FieldError] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                out.extend(_flatten(value, prefix))
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, path))
    elif isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            for item in detail:
                out.append(FieldError(_message(prefix, item), prefix, getattr(item, "code", "invalid")))
        else:
            for index, item in enumerate(detail):
                if item in ({}, [], None, ""):
                    continue
                path = f"{prefix}[{index}]" if prefix else f"[{index}]"
                out.extend(_flatten(item, path))
    else:
        out.append(FieldError(_message(prefix, detail), prefix, getattr(detail, "code", "invalid")))
    return out


def _message(field: str | None, text) -> str:
    text = str(text)
    return f"{field}: {text}" if field else text


def error_body(errors: list[FieldError]) -> dict:
    first = errors[0]
    return {**first.as_dict(), "errors": [e.as_dict() for e in errors]}


def json_error(status_code: int, message: str, *, code: str, field: str | None = None) -> JsonResponse:
    """The error shape for an answer made outside DRF (Django's own handlers under /api/)."""
    return JsonResponse(error_body([FieldError(message, field, code)]), status=status_code)


# DRF's SessionAuthentication refuses a write without the CSRF token as a plain PermissionDenied whose text it
# has begun with these words since CSRF checks were added to it; it has no exception type of its own.
_CSRF_FAILED = "CSRF Failed:"


def _csrf_failure(detail: str) -> AppError:
    """A browser's session write without its CSRF token: say so, and what an app does instead."""
    return Forbidden(f"{detail} A browser signed in with a session sends the csrftoken cookie's value in the "
                     "X-CSRFToken header; an app signs in at /api/v1/auth/token/ and sends its token in the "
                     "Authorization header instead.", code="csrf_failed")


def _unknown_format(context) -> AppError | None:
    """``?format=`` naming no format the view answers in: DRF raises a bare 404 "Not found." for it, as if the
    address did not exist."""
    view, request = context.get("view"), context.get("request")
    asked = getattr(request, "query_params", {}).get(api_settings.URL_FORMAT_OVERRIDE or "")
    if view is None or not asked:
        return None
    formats = [renderer.format for renderer in view.get_renderers()]
    if asked in formats:
        return None
    return AppError(f"format: {asked!r} is not a format this address answers in; use {' or '.join(formats)}, or "
                    "leave it out.", field="format")


def _storage_failing(exc) -> bool:
    from consistency.storage import is_transient  # here: the storage module imports this one

    return is_transient(exc)


def exception_handler(exc, context):
    # Django's own limits on a request body, met while DRF reads it: answered in the API's shape (Django
    # would answer its HTML 400 page).
    if isinstance(exc, RequestDataTooBig):
        exc = TooLarge(f"The request body is over the limit of {settings.MAX_REQUEST_BYTES} bytes.", field="body")
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = AppError("The request has too many form fields or files.", field="body")
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith(_CSRF_FAILED):
        exc = _csrf_failure(str(exc.detail))
    elif isinstance(exc, Http404):
        exc = _unknown_format(context) or exc
    elif _storage_failing(exc):
        exc = StorageUnavailable()
    if isinstance(exc, AppError):
        return Response(error_body(exc.errors), status=exc.status_code, headers=exc.headers)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail) or [FieldError("Invalid request.")]
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        errors = [FieldError(str(detail), None, getattr(detail, "code", None) or exc.default_code)]
    response.data = error_body(errors)
    return response
