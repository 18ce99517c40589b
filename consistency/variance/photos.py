"""The period's photo evidence per site, with its trust flags, for the variance answer: one aggregate query.

A photo counts for the site's local day it stands for (``Evidence.day``: the check's date, or the day it was
attached to a corrective action), verified photos only: the trust flags are set when a photo is verified
(consistency/services/evidence_trust.py), and a pending or rejected photo is not evidence. The counts are
shown beside the scores; they do not change them (how far a flagged photo counts is the standard's rule).

Read from ``SitePhotoDay`` (one row per site and day with photos, kept by consistency/services/photo_days.py),
not from the photos: a 90-day network answer sums up to sites x 90 rows, however many photos were kept.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet, Sum

from sites.models import Site

from ..models import SitePhotoDay
from .types import PhotoCounts


def photo_counts(*, sites: QuerySet[Site], date_from: dt.date, date_to: dt.date) -> dict[int, PhotoCounts]:
    """{site id: PhotoCounts} for the sites with verified photos of days in [date_from, date_to]."""
    rows = (SitePhotoDay.objects.filter(site__in=sites.order_by().values("pk"), day__gte=date_from, day__lte=date_to)
            .order_by().values_list("site_id")
            .annotate(Sum("verified"), Sum("reused"), Sum("stale"), Sum("suspect")))
    return {site_id: PhotoCounts(*counts) for site_id, *counts in rows}
