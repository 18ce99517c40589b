"""Middleware of our own: compression of what the API reads out, a statement cut at its time limit answered
503, an idle page session ended."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
from django.utils.translation import ngettext

from . import db_unavailable, idle
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


class DatabaseUnavailable:
    """A statement the database cut at REQUEST_STATEMENT_TIMEOUT_MS (``backend.timeouts``) answers 503 with a
    message and Retry-After, not a 500: the request waited on a lock or ran a query too slow, its transaction is
    rolled back, and the same request may succeed in a moment. DRF re-raises what its handler does not know, so
    the API's views end here too. What decides is ``backend.db_unavailable.unavailable``; a database that gives
    no connection at all is answered by the 500 handler (``backend.views.server_error``), which also sees what
    the middleware met."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if db_unavailable.unavailable(exception) is not db_unavailable.STATEMENT_CUT:
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
        response["Retry-After"] = str(db_unavailable.STATEMENT_CUT.retry_after)
        return response


class IdleSessionTimeout:
    """A page session left idle longer than SESSION_IDLE_MINUTES is ended: the next request signs the person out
    and takes them to the login page, which says why, and back to where they were once signed in. Each request
    is activity; it is written to the session at most every tenth of the period (a minute at most), not on
    every request. API tokens carry no session and are left alone (they have their own idle limit,
    TOKEN_IDLE_DAYS); an API call made with an ended session is answered as any call without sign-in."""

    KEY = idle.KEY  # set at sign-in (backend.idle)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        idle = settings.SESSION_IDLE_MINUTES * 60
        # Only a request that carries a signed-in session: a token's request has no session to load.
        if idle > 0 and auth.SESSION_KEY in request.session:
            now = time.time()
            last = request.session.get(self.KEY)
            if last is not None and now - last > idle:
                auth.logout(request)
                if not request.path_info.startswith("/api/"):
                    return self._to_login(request)
            elif last is None or now - last > min(60, idle / 10):
                request.session[self.KEY] = now
        return self.get_response(request)

    @staticmethod
    def _to_login(request):
        period = settings.SESSION_IDLE_MINUTES
        minutes = f"{period:g}"
        plural = int(period) if period == int(period) else 2  # ngettext counts whole things; 0.5 is "minutes"
        messages.info(request, ngettext("You were signed out after %(minutes)s minute without activity; sign in "
                                        "again to go on.",
                                        "You were signed out after %(minutes)s minutes without activity; sign in "
                                        "again to go on.", plural) % {"minutes": minutes})
        # Back where they were: the page they asked for (a form sent after the pause is sent again from it).
        back = request.get_full_path() if request.method in ("GET", "HEAD") else request.path
        if request.headers.get("HX-Request"):
            # An htmx request would swap the login page into a fragment: htmx loads it as a whole page instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(back).url
            return response
        return redirect_to_login(back)
