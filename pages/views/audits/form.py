"""/app/audits/new/: an audit or a mystery shop of one site, filled on a phone.

The page is server-rendered from what the API judges by: the sites are ``access.auditable_sites`` (those the
person may submit audits for), the criteria are the version in force on the visit's date
(``standard.version_current``, the rule every submission uses) and the date is refused by the same rule as a
check's (``check_rules.validate_check_date``). Submitting is left to pages/static/pages/audit.js, which posts to
``/api/v1/sites/{code}/audits/`` as a phone app does, then uploads the photos to ``/api/v1/audits/{id}/evidence/``.
Every criterion starts as "not observed": a visit covers what the visitor could see."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from backend.errors import AppError, NotFound
from backend.inputs import iso_day, slug_param
from consistency.selectors import standard as standard_selectors
from consistency.services.check_rules import local_today, validate_check_date
from consistency.services.criterion_text import rule_text
from customer.models import AuditKind, AuditResult
from customer.services.audits import kinds_for
from sites import access
from sites.models import Role

from ...labels import label
from ..common import open_to_mystery_shoppers, page, require_role

AUDITORS = (Role.MYSTERY_SHOPPER, Role.AUDITOR, Role.HEAD_OFFICE)
# Beyond this many sites (head office of a large network) the site is typed, not picked from a list: a select of
# 5,000 options would weigh more than the form on a weak signal.
SITE_LIST_MAX = 200
NOTE_MAX = AuditResult._meta.get_field("note").max_length


def _checklist(version) -> list[dict]:
    """Every touch point of the version and its criteria, each with its target in the reports' words. All of
    them, whichever department submits a site's own checks: an audit may observe any part of the standard."""
    return [{"touch_point": tp, "criteria": [{"c": c, "rule": rule_text(c)} for c in tp.criteria.all()]}
            for tp in version.touch_points.all()]


def _site(request, scope):
    """The site asked for with ``?site=`` among the auditable ones (404 otherwise, as the API), else the first."""
    try:
        code = slug_param(request.GET, "site")
    except AppError as exc:
        raise Http404(exc.message) from exc
    qs = scope.order_by("code")
    site = qs.filter(code=code).first() if code else qs.first()
    if code and site is None:
        raise NotFound(gettext("No site %(code)s among the sites you visit.") % {"code": repr(code)}, field="site")
    return site


def _day(request, site) -> tuple[dt.date, str | None]:
    """The visit's date (``?date=``, default the site's local today) and why it is refused, if it is."""
    today = local_today(site)
    raw = request.GET.get("date") or ""
    day = iso_day(raw) if raw else None
    if raw and day is None:
        return today, gettext("date: %(raw)s is not a date (YYYY-MM-DD); showing today's.") % {"raw": repr(raw)}
    day = day or today
    try:
        validate_check_date(site=site, day=day, now=timezone.now())
    except AppError as exc:
        return day, exc.message
    return day, None


@page
@open_to_mystery_shoppers
def audit_new(request):
    role = require_role(request, *AUDITORS)
    scope = access.auditable_sites(request.user)
    site = _site(request, scope)
    kinds = [(k, label(AuditKind, k)) for k in kinds_for(request.user)]
    context = {"role": role, "kinds": kinds, "note_max": NOTE_MAX, "site": site}
    if site is None:
        return render(request, "pages/audit_new.html", context)
    count = scope.count()
    sites = list(scope.order_by("code").values_list("code", "name")) if count <= SITE_LIST_MAX else None
    day, closed = _day(request, site)
    today = local_today(site)
    earliest = max(today - dt.timedelta(days=settings.LATE_CHECK_WINDOW_DAYS), site.opened_on)
    version = no_standard = None
    if closed is None:
        try:
            version = standard_selectors.load_contents(standard_selectors.version_current(on=day))
        except NotFound as exc:
            no_standard = exc.message
    checklist = _checklist(version) if version is not None else []
    context.update({
        "sites": sites, "day": day, "today": today, "earliest": earliest, "closed": closed,
        "version": version, "no_standard": no_standard, "checklist": checklist,
        "criteria_count": sum(len(group["criteria"]) for group in checklist),
    })
    return render(request, "pages/audit_new.html", context)
