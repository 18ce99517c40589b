"""Middleware of our own: compression of what the API reads out, a statement cut at its time limit answered
503, an idle page session ended."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render

from . import timeouts
from .errors import json_error

logger = logging.getLogger(__name__)


class CompressApiReads(GZipMiddleware):
    """gzip for the API's JSON GET answers when the client accepts it: the checklist a phone fetches over a bad
    line, a variance answer of several hundred kB for head office. Not for the answers to writes (the
    submission's hot path, and the token endpoint's secret beside the username the request chose), nor for
    pages, whose CSRF token sits beside text a request can choose (BREACH); Django's gzip also pads every
    answer at random against that attack. Answers under 200 bytes are left alone by Django."""

    def process_response(self, request, response):
        if (request.method not in ("GET", "HEAD") or not request.path.startswith("/api/v1/")
                or not response.get("Content-Type", "").startswith("application/json")):
            return response  # the browsable API's HTML pages carry a CSRF token too
        return super().process_response(request, response)


class StatementTimeout:
    """A statement the database cut at REQUEST_STATEMENT_TIMEOUT_MS (``backend.timeouts``) answers 503 with a
    message, not a 500: the request waited on a lock or ran a query too slow, its transaction is rolled back,
    and the same request may succeed in a moment. DRF re-raises what its handler does not know, so the API's
    views end here too."""

    RETRY_AFTER = "5"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DatabaseError) or not timeouts.was_cut(exception):
            return None
        logger.warning("Statement cut at %s ms: %s %s", settings.REQUEST_STATEMENT_TIMEOUT_MS, request.method,
                       request.path)
        if request.path_info.startswith("/api/"):
            response = json_error(503, "The database took too long to answer (over REQUEST_STATEMENT_TIMEOUT_MS, "
                                       f"{settings.REQUEST_STATEMENT_TIMEOUT_MS} ms); nothing was changed. Try again "
                                       "in a moment; a write with an Idempotency-Key is safe to send again.",
                                  code="timeout")
        else:
            response = render(request, "503.html", status=503)
        response["Retry-After"] = self.RETRY_AFTER
        return response
