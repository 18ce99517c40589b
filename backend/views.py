import sys

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from pages.views.common import landing_url
from sites import access

from . import db_unavailable
from .errors import json_error

# The name of the last pattern of backend/urls.py: whatever else is under /api/.
API_NOT_FOUND = "api-not-found"


def home(request):
    """The landing page: where to go and, on a demo, how to log in. A signed-in person goes to their page."""
    if request.user.is_authenticated and (destination := landing_url(request.user)):
        return redirect(destination)
    return render(request, "home.html", {
        "role": access.role_of(request.user),
        "demo_password": settings.DEMO_PASSWORD if settings.DEBUG else None,
    })


def _under_api(request) -> bool:
    return request.path_info == "/api" or request.path_info.startswith("/api/")


def _resolves_elsewhere(path_info: str, urlconf) -> bool:
    """``path_info`` is a real API address (not this catch-all)."""
    try:
        return resolve(path_info, urlconf).url_name != API_NOT_FOUND
    except Resolver404:
        return False


# Exempt from Django's CSRF check, as DRF's views are: it reads nothing and changes nothing, and a POST with a
# token (no CSRF cookie) to a mistyped address must learn that the address is wrong, not get Django's HTML 403.
@csrf_exempt
def api_not_found(request):
    """Any address under /api/ that no API view answers, whatever the method. An address written without its
    final slash is redirected to it for a read (as APPEND_SLASH does); a write is not, since a redirect loses
    its body (Django even raises for it under DEBUG): the answer names the address to send it to."""
    if not request.path_info.endswith("/") and _resolves_elsewhere(f"{request.path_info}/",
                                                                    getattr(request, "urlconf", None)):
        if request.method in ("GET", "HEAD"):
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
        return json_error(404, f"There is nothing at {request.path}: API addresses end in a slash; send this "
                               f"{request.method} to {request.path}/.", code="not_found")
    return not_found(request, None)


def not_found(request, exception):
    """A URL that leads nowhere: under /api/ the API's JSON error (a phone parses it like any other 404),
    elsewhere Django's page. A site code is a slug in every URL, so a code no site can have ends here too."""
    if _under_api(request):
        return json_error(404, f"There is nothing at {request.path}; the API's addresses are in /api/docs/.",
                          code="not_found")
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """Django's 400 (a request refused before any view: a Host header this server does not answer for, a
    malformed body a non-API view read). What was wrong is logged, not told: it may be an attack."""
    if _under_api(request):
        return json_error(400, "The request was refused as malformed (its Host header, or its body); check "
                               "the address and the headers you send.", code="bad_request")
    return defaults.bad_request(request, exception)


def server_error(request):
    """Django's 500 (an error no view caught; it is logged with its traceback, and reported to Sentry). Under
    DEBUG Django shows its debug page instead, with the traceback a developer needs.

    A database that gives no connection (down, restarting, out of connection slots) is not a fault of the
    request: 503 with Retry-After, so a phone keeps what it sends and tries again (``backend.db_unavailable``
    decides; Django calls this inside its ``except``, where ``sys.exc_info()`` is the error)."""
    if db_unavailable.unavailable(sys.exc_info()[1]) is db_unavailable.DATABASE_DOWN:
        retry_after = db_unavailable.DATABASE_DOWN.retry_after
        if _under_api(request):
            response = json_error(503, "The database is not answering right now; nothing was changed. Try again in "
                                       f"{retry_after} seconds (a write with an Idempotency-Key is safe to send "
                                       "again).", code=db_unavailable.DATABASE_DOWN.kind)
        else:  # Django's own error page: a template here could need the database (the person's session)
            response = HttpResponse(defaults.ERROR_PAGE_TEMPLATE % {"title": "Service Unavailable (503)",
                                                                    "details": ""}, status=503)
        response["Retry-After"] = str(retry_after)
        return response
    if _under_api(request):
        return json_error(500, "Something went wrong on the server; it has been logged. Try again later.",
                          code="server_error")
    return defaults.server_error(request)
