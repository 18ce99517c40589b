"""The demo franchise's sites that differ: criteria head office marked not applicable at two sites (a shop in a
mall with no restroom of its own, a walk-in counter with no delivery service). Safe to run twice."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from sites.models import Site

from .models.review import NotApplicable
from .services import applicability

# site code -> (criterion keys, days before the site's today the mark starts, reason)
DEMO_MARKS: dict[str, tuple[tuple[str, ...], int, str]] = {
    "CHC-02": (("restroom_cleanliness", "restroom_supplies", "restroom_checklist_signed", "restroom_odour"), 21,
               "No customer restroom: the shop is in a mall and its customers use the mall's, cleaned by the landlord."),
    "SFO-02": (("delivery_late_minutes", "delivery_on_time_pct", "delivery_customer_notified", "delivery_vehicle_clean"),
               45, "Walk-in counter only: this site runs no delivery service."),
}


def seed_not_applicable(*, now: dt.datetime | None = None) -> int:
    """Mark the demo's criteria not applicable (from a few weeks back, until further notice), through the service:
    the sites' running totals are rebuilt without the results they had stored for them. Returns marks made."""
    now = now or timezone.now()
    head_office = get_user_model().objects.filter(username="head.office").first()
    if head_office is None:
        return 0
    made = 0
    for site in Site.objects.filter(code__in=DEMO_MARKS).order_by("code"):
        keys, days_back, reason = DEMO_MARKS[site.code]
        today = now.astimezone(site.tz).date()
        starts_on = max(site.opened_on, today - dt.timedelta(days=days_back))
        for key in keys:
            if NotApplicable.objects.filter(site=site, criterion_key=key).exists():
                continue
            applicability.mark(user=head_office, site=site, criterion_key=key, starts_on=starts_on, ends_on=None,
                               reason=reason)
            made += 1
    return made


def without_not_applicable(site, planned: list) -> list:
    """The demo history's planned checks of ``site`` (CheckInput first in each tuple) without the results of
    criteria marked not applicable on their day (a second run of the seed adds the days since the first)."""
    marks = list(NotApplicable.objects.filter(site=site))
    if not marks:
        return planned
    out = []
    for payload, *rest in planned:
        day = payload.date
        gone = {m.criterion_key for m in marks if applicability.days_covered(m.starts_on, m.ends_on, day, day)}
        if gone:
            payload = dataclasses.replace(payload, results=[r for r in payload.results if r.criterion not in gone])
        out.append((payload, *rest))
    return out
