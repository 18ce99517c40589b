"""Who is signing in from where, and what a locked-out sign-in is told.

The counting and the lockout itself are django-axes' (``AXES_*`` in ``backend/settings/base.py``): every
failed password on every way in (the token endpoint, the login page, the admin) goes through Django's
``authenticate``, which axes watches.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.shortcuts import render
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    """The client's address as our ``TRUSTED_PROXIES`` proxies report it: REMOTE_ADDR when there are none (an
    X-Forwarded-For header is then the client's own word, and ignored), else the X-Forwarded-For entry that
    many from the right. DRF's rule (``NUM_PROXIES``), so that throttles and lockout agree on the address."""
    return BaseThrottle().get_ident(request)


class LockedOut(exceptions.APIException):
    """The API's answer to a locked-out sign-in: a 429 in the error shape, with Retry-After (DRF sends one
    for an exception's ``wait``)."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self):
        self.wait = settings.AXES_COOLOFF_TIME.total_seconds()
        minutes = math.ceil(self.wait / 60)
        super().__init__(
            f"Too many failed sign-ins for this username or from this address: signing in is locked. Try again in "
            f"{minutes} minutes; each failed attempt meanwhile starts the wait again.")


def was_locked_out(request) -> bool:
    """Whether axes refused (or has just locked) the sign-in ``authenticate`` was asked for on this request."""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_page(request, original_response=None, credentials=None):
    """What the login page and the admin answer a locked-out sign-in (``AXES_LOCKOUT_CALLABLE``)."""
    wait = LockedOut()
    response = render(request, "registration/locked_out.html", {"message": wait.detail}, status=wait.status_code)
    response["Retry-After"] = str(int(wait.wait))
    return response
