"""The period's photo evidence per site, with its trust flags, for the variance answer: one aggregate query.

A photo counts for the site's local day it stands for (``Evidence.day``: the check's date, or the day it was
attached to a corrective action), verified photos only: the trust flags are set when a photo is verified
(consistency/services/evidence_trust.py), and a pending or rejected photo is not evidence. The counts are
shown beside the scores; they do not change them (how far a flagged photo counts is the standard's rule).

Counted by site, not by id: the index ``evidence_verified_by_day`` on (site, day), which holds the two flags,
answers it alone on PostgreSQL, so its cost grows with the period's photos, not with all the photos kept.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from sites.models import Site

from ...models import Evidence
from .types import PhotoCounts


def photo_counts(*, sites: QuerySet[Site], date_from: dt.date, date_to: dt.date) -> dict[int, PhotoCounts]:
    """{site id: PhotoCounts} for the sites with verified photos of days in [date_from, date_to]."""
    rows = (Evidence.objects.filter(site__in=sites.order_by().values("pk"), day__gte=date_from, day__lte=date_to,
                                    status=Evidence.Status.VERIFIED)
            .order_by().values_list("site_id")
            .annotate(verified=Count("site"), reused=Count("site", filter=Q(reused_from__isnull=False)),
                      stale=Count("site", filter=Q(stale_capture=True)),
                      suspect=Count("site", filter=Q(reused_from__isnull=False) | Q(stale_capture=True))))
    return {site_id: PhotoCounts(*counts) for site_id, *counts in rows}
