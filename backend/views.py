from django.conf import settings
from django.shortcuts import render

from sites import access


def home(request):
    """The landing page: where to go and, on a demo, how to log in."""
    return render(request, "home.html", {
        "role": access.role_of(request.user),
        "demo_password": settings.DEMO_PASSWORD if settings.DEBUG else None,
    })
