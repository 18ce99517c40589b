"""The Idempotency-Key protocol over HTTP, for every POST a phone retries: one header, read and wired here.

A view hands ``idempotent_post`` the work (a function returning an :class:`Answer`); with an
``Idempotency-Key`` header it runs at most once per user and key (``services.idempotency.idempotent``): a
retry with the same body gets the stored status and the very same bytes back with ``Idempotent-Replayed:
true``, the same key with another body a 422 ``idempotency_mismatch``, and a retry while the first is still
being answered a 409 ``idempotency_in_progress``. Without the header the work simply runs. Every POST a
phone retries goes through here: a check, an evidence request, a confirmation, an action's resolution, a
report order.

A refusal normally stores nothing (the claim is released, so a corrected retry may run). A refusal that is
itself a recorded outcome (a photo's verdict: refused, and kept so for auditors) is named by the view in
``recorded``: it commits with its answer, and a retry gets that answer again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer

from backend.errors import AppError, error_body

from ..services import idempotency

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY_PARAMETER = OpenApiParameter(
    HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="Optional, 1-255 printable characters, chosen by the client per request. A retry with the same "
                "key and body answers the first answer's status and bytes with `Idempotent-Replayed: true` (short-"
                "lived links in it may have expired: read the resource again for fresh ones); the same key with "
                "another body is a 422 `idempotency_mismatch`; while the first is still being answered, a 409 "
                "`idempotency_in_progress`. Keys are kept IDEMPOTENCY_KEEP_HOURS.")


@dataclass(frozen=True)
class Answer:
    status: int
    data: object  # rendered as JSON; bytes are an answer already rendered (the check submission's, by orjson)
    replayed: bool = False  # the service recognised a retry by itself (a photo it already has)


def request_key(request) -> str | None:
    """The request's Idempotency-Key, validated (400 naming the header), or None."""
    key = request.headers.get(HEADER)
    return idempotency.validate_key(key) if key is not None else None


def idempotent_post(request, run: Callable[[], Answer], *, body: bytes | None = None,
                    recorded: tuple[type[AppError], ...] = (), atomic: bool = True) -> HttpResponse:
    """Answer a POST through the Idempotency-Key protocol.

    ``body`` is what makes two requests the same, besides method and path: the raw request body unless given
    (a multipart upload gives its fields and the file's SHA-256 instead, since its stream is read by the parser).
    Call before anything reads ``request.data`` of a JSON body: the raw bytes are read here."""
    key = request_key(request)
    fingerprint = ""
    if key is not None:
        raw = request.body if body is None else body
        fingerprint = idempotency.fingerprint(method=request.method, path=request.path, body=raw)
    replayed_by_service = False

    def rendered() -> tuple[int, bytes]:
        nonlocal replayed_by_service
        try:
            answer = run()
        except recorded as refusal:
            answer = Answer(refusal.status_code, error_body(refusal.errors))
        replayed_by_service = answer.replayed
        content = answer.data if isinstance(answer.data, bytes) else JSONRenderer().render(answer.data)
        return answer.status, content

    stored = idempotency.idempotent(user=request.user, key=key, run=rendered, request_fingerprint=fingerprint,
                                    atomic=atomic)
    response = HttpResponse(stored.content, status=stored.status, content_type="application/json")
    if stored.replayed or replayed_by_service:
        response[REPLAYED] = "true"
    return response
