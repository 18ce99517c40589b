"""Listing corrective actions, scoped by role."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from backend.errors import AppError
from sites import access
from sites.models import Site
from sites.selectors import in_region

from ..models import CorrectiveAction
from ..models.checks import ActionStatus

STATUSES = ("open", "overdue", "resolved", "all")


def overdue_q(*, sites: QuerySet[Site], now: dt.datetime | None = None) -> Q:
    """Open and past due on the site's *local* date. One condition per time zone in use (a handful),
    so the database filters it without a per-row time zone conversion."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for tz in sites.order_by().values_list("timezone", flat=True).distinct():
        today = now.astimezone(zoneinfo.ZoneInfo(tz)).date()
        condition |= Q(site__timezone=tz, due_on__lt=today)
    return Q(status=ActionStatus.OPEN) & condition


def action_list(*, user, status: str = "open", site=None, region: str | None = None,
                now: dt.datetime | None = None) -> QuerySet[CorrectiveAction]:
    if status not in STATUSES:
        raise AppError(f"status is one of {', '.join(STATUSES)}.", field="status")
    sites = access.readable_sites(user)
    if site is not None:
        sites = sites.filter(pk=site.pk)
    if region:
        sites = in_region(user=user, sites=sites, region=region)
    qs = CorrectiveAction.objects.filter(site__in=sites)
    if status == "open":
        qs = qs.filter(status=ActionStatus.OPEN)
    elif status == "resolved":
        qs = qs.filter(status=ActionStatus.RESOLVED)
    elif status == "overdue":
        qs = qs.filter(overdue_q(sites=sites, now=now))
    return (qs.select_related("site", "criterion", "daily_check", "resolved_by")
            .order_by("due_on", "site__code", "id"))
