"""/app/notifications/ (everyone, mystery shoppers too): how the person hears about each event (immediately, in
the daily digest, or not at all), and the notices they were sent lately.

The modes are the API's (``GET/PUT /api/v1/me/notifications/``): read by ``preferences.modes_of``, set and
validated by ``preferences.modes_set``. One small form per event, so one click changes one thing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.errors import AppError
from notify import selectors
from notify.events import Mode
from notify.services import preferences

from .common import open_to_mystery_shoppers, page


@open_to_mystery_shoppers
@page
@require_http_methods(["GET", "POST"])
def notifications(request):
    if request.method == "POST":
        return _save(request)
    return _page(request)


def _save(request):
    event, mode = request.POST.get("event", ""), request.POST.get("mode", "")
    try:
        modes = preferences.modes_set(request.user, {event: mode})
    except AppError as exc:
        # The form names one event: its errors read as that form's ("events[0].mode: ..." -> "mode: ...").
        refusal = "; ".join(e.message.removeprefix("events[0].") for e in exc.errors)
        return _page(request, status=400, refusal=(event, refusal))
    chosen = next(m for m in modes if m.event == event)
    messages.success(request, _("%(event)s: %(mode)s.") % {"event": chosen.label, "mode": chosen.mode_label})
    return redirect(f"{request.path}#event-{event.replace('.', '-')}")


def _page(request, *, status: int = 200, refusal: tuple[str, str] | None = None):
    modes = preferences.modes_of(request.user)
    refused_event, refusal_text = refusal or (None, None)
    return render(request, "pages/notifications.html", {
        "events": [{"item": m, "anchor": f"event-{m.event.replace('.', '-')}",
                    "error": refusal_text if m.event == refused_event else None} for m in modes],
        # A refusal of no listed event (a form tampered with): said above the forms.
        "refusal": refusal_text if refusal and refused_event not in {m.event for m in modes} else None,
        "modes": Mode.choices,
        "notices": selectors.recent_notices(user=request.user),
        "digest_hour": f"{settings.DIGEST_HOUR_UTC:02d}:00",
    }, status=status)
