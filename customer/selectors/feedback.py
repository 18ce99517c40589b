"""Reading feedback: the responses a person may see (their readable sites: a mystery shopper none), and the
survey questions."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from customer.models import FeedbackQuestion, FeedbackResponse
from sites import access
from sites.selectors import in_region, site_get


def feedback_list(*, user, date_from: dt.date | None = None, date_to: dt.date | None = None,
                  site: str | None = None, region: str | None = None) -> QuerySet[FeedbackResponse]:
    """Responses of the sites ``user`` may read, newest day first. ``site``: one of them (404 naming ``site``
    otherwise); ``region``: the user's sites in it (400 naming ``region`` for one they cannot see)."""
    sites = access.readable_sites(user)
    if region:
        sites = in_region(user=user, sites=sites, region=region)
    qs = FeedbackResponse.objects.filter(site__in=sites)
    if site:
        qs = qs.filter(site=site_get(user=user, code=site, field="site"))
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.select_related("site", "question").order_by("-date", "-id")


def question_list() -> QuerySet[FeedbackQuestion]:
    return FeedbackQuestion.objects.order_by("key")
