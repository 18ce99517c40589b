"""The clock of an idle page session (``backend.middleware.IdleSessionTimeout``) starts at sign-in: set in the
session login() saves anyway, so the first page after signing in writes nothing more. Connected in
``backend/__init__.py``, before any request, as this module imports no model."""

from __future__ import annotations

import time

KEY = "touchpoint_last_activity"


def signed_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[KEY] = time.time()
