"""Compression of what the API reads out."""

from __future__ import annotations

from django.middleware.gzip import GZipMiddleware


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
