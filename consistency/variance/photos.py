"""The period's photo evidence per site, with its trust flags, for the variance answer: one query.

A photo counts for the site's local day it stands for (``Evidence.day``: the check's date, or the day it was
attached to a corrective action), verified photos only: the trust flags are set when a photo is verified
(consistency/services/evidence_trust.py), and a pending or rejected photo is not evidence. The counts are
shown beside the scores; they do not change them (how far a flagged photo counts is the standard's rule).

Read from the running totals of ``SitePhotoDay`` (kept by consistency/services/photo_days.py), not from the
photos: per site, the totals of its last row on or before the period's end minus those of its last row
before the period's start, two index look-ups per site whatever the period's length or where it falls.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from backend import routers
from sites.models import Site

from ..models import SitePhotoDay
from .types import PhotoCounts

_FIELDS = ("verified", "reused", "stale", "suspect")


def photo_counts(*, sites: QuerySet[Site], date_from: dt.date, date_to: dt.date) -> dict[int, PhotoCounts]:
    """{site id: PhotoCounts} for the sites with verified photos of days up to date_to (zeros for a site whose
    photos are all before date_from)."""
    try:
        site_sql, site_params = sites.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # Site.objects.none()
        return {}
    qn = connection.ops.quote_name
    t = qn(SitePhotoDay._meta.db_table)
    totals = ", ".join(f"{f}_total" for f in _FIELDS)

    def last_row(condition: str) -> str:
        return (f"SELECT {totals} FROM {t} p WHERE p.site_id = s.id AND p.day {condition} %s "
                "ORDER BY p.day DESC LIMIT 1")

    # Written as SQL: the two lateral look-ups have no ORM spelling.
    differences = ", ".join(f"e.{f}_total - COALESCE(b.{f}_total, 0)" for f in _FIELDS)
    sql = (f"SELECT s.id, {differences} FROM {qn(Site._meta.db_table)} s "
           f"CROSS JOIN LATERAL ({last_row('<=')}) e LEFT JOIN LATERAL ({last_row('<')}) b ON true "
           f"WHERE s.id IN ({site_sql})")
    day = connection.ops.adapt_datefield_value
    with routers.reading(Site).cursor() as cursor:  # the replica when there is one
        cursor.execute(sql, [day(date_to), day(date_from), *site_params])
        return {site_id: PhotoCounts(*counts) for site_id, *counts in cursor.fetchall()}
