"""Reading photo reviews and retake requests (the caller has resolved the site or photo within scope)."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery

from ..models import DailyCheck, PhotoReview, RetakeRequest
from ..services.evidence.retakes import status_filter

RETAKE_STATUSES = ("open", "overdue", "fulfilled")


def retake_list(*, site, status: str | None = None, now: dt.datetime, date_from=None,
                date_to=None) -> QuerySet[RetakeRequest]:
    """A site's retake requests, the soonest deadline first (``status``: open | overdue | fulfilled), each with
    the current check of its day (where the retake is attached: ``current_check_id``)."""
    current = DailyCheck.objects.filter(site_id=OuterRef("site_id"), date=OuterRef("daily_check__date"),
                                        is_current=True, department__isnull=True).values("id")[:1]
    qs = (RetakeRequest.objects.filter(site=site)
          .select_related("site", "criterion", "daily_check", "review__decided_by", "rejected", "retake")
          .annotate(current_check_id=Subquery(current)))
    if status is not None:
        qs = qs.filter(status_filter(status, now))
    if date_from is not None:
        qs = qs.filter(daily_check__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(daily_check__date__lte=date_to)
    return qs.order_by("due_at", "id")


def reviews_of(evidence) -> QuerySet[PhotoReview]:
    """A photo's reviews, oldest first, with who decided and the retake each rejection opened."""
    return (PhotoReview.objects.filter(evidence=evidence).select_related("decided_by", "retake")
            .order_by("decided_at", "id"))


def site_reviews(*, site, date_from, date_to) -> QuerySet[PhotoReview]:
    """The reviews of a site's photos of those days (the photo's day), oldest first."""
    return (PhotoReview.objects.filter(evidence__site=site, evidence__day__gte=date_from, evidence__day__lte=date_to)
            .select_related("decided_by", "evidence__criterion", "retake__retake")
            .order_by("evidence__day", "decided_at", "id"))
