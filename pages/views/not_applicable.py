"""/app/sites/{code}/not-applicable/: head office marks a criterion not applicable at a site, or ends a mark, from
the site's page (htmx swaps the page's "Not applicable here" part; without script, the page is sent back).

The writes are ``consistency.services.applicability``'s, the API's; the form adds nothing that decides."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.errors import AppError, Forbidden, NotFound
from backend.inputs import iso_day
from consistency.services import applicability
from sites.selectors import site_get

from ..not_applicable import site_marks
from .common import page


def _day(raw: str, field: str, *, required: bool) -> dt.date | None:
    if not raw and not required:
        return None
    day = iso_day(raw)
    if day is None:
        raise AppError(_("%(field)s: a day written YYYY-MM-DD.") % {"field": field}, field=field)
    return day


@page
@require_POST
def site_marks_post(request, code: str):
    site = site_get(user=request.user, code=code)
    applicability.require_head_office(request.user)  # 403 for anyone else, whatever the form says
    data = request.POST
    values = {k: data.get(k, "") for k in ("criterion", "starts_on", "ends_on", "reason")}
    try:
        if data.get("action") == "end":
            try:
                mark_id = int(data.get("mark", ""))
            except ValueError:
                raise NotFound(_("No such mark."), field="mark") from None
            applicability.end(user=request.user, site=site, mark_id=mark_id,
                              ends_on=_day(data.get("ends_on", ""), "ends_on", required=True))
        else:
            applicability.mark(user=request.user, site=site, criterion_key=values["criterion"],
                               starts_on=_day(values["starts_on"], "starts_on", required=True),
                               ends_on=_day(values["ends_on"], "ends_on", required=False), reason=values["reason"])
        error, values = None, {}
    except Forbidden:
        raise
    except AppError as exc:  # the service's refusal, shown beside the form (nothing was written)
        error = exc
    if not request.htmx and error is None:
        return redirect(reverse("pages:site", args=[site.code]) + "#not-applicable")
    context = site_marks(user=request.user, site=site, error=error, values=values)
    if request.htmx:
        # Swapped into the page (htmx swaps 2xx answers only): the refusal is shown in the part itself.
        return render(request, "pages/site_not_applicable.html", context)
    return render(request, "pages/site_not_applicable_page.html", {**context, "site": site}, status=error.status_code)
