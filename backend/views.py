from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

from sites import access

from .errors import FieldError, error_body


def home(request):
    """The landing page: where to go and, on a demo, how to log in."""
    return render(request, "home.html", {
        "role": access.role_of(request.user),
        "demo_password": settings.DEMO_PASSWORD if settings.DEBUG else None,
    })


def api_not_found(request):
    return not_found(request, None)


def not_found(request, exception):
    """A URL that leads nowhere: under /api/ the API's JSON error (a phone parses it like any other 404),
    elsewhere Django's page. A site code is a slug in every URL, so a code no site can have ends here too."""
    if request.path.startswith("/api/"):
        message = f"There is nothing at {request.path}; the API's addresses are in /api/docs/."
        return JsonResponse(error_body([FieldError(message, None, "not_found")]), status=404)
    return defaults.page_not_found(request, exception)
