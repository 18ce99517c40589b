"""Keeps ``SitePhotoDay``: per site and day, the verified photos and their trust flags, by increments.

Increments, not recounts: two transactions changing one site's day (a photo verified there while a
confirmation at another site flags a copy of it) each add to the row under its row lock, and neither
overwrites the other's count with one that missed it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cache

from django.db import connection

from ..models import Evidence, SitePhotoDay


@cache
def _upsert_sql() -> str:
    t = connection.ops.quote_name(SitePhotoDay._meta.db_table)
    return (f"INSERT INTO {t} (site_id, day, verified, reused, stale, suspect) VALUES (%s, %s, %s, %s, %s, %s) "
            f"ON CONFLICT (site_id, day) DO UPDATE SET verified = {t}.verified + excluded.verified, "
            f"reused = {t}.reused + excluded.reused, stale = {t}.stale + excluded.stale, "
            f"suspect = {t}.suspect + excluded.suspect")


def _add(rows: Iterable[tuple]) -> None:
    rows = [r for r in rows if r[1] is not None]  # a photo without a day stands for none
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_upsert_sql(), rows)


def photo_verified(evidence: Evidence) -> None:
    """``evidence`` was just verified, with its flags: its day counts it."""
    photos_verified([evidence])


def photos_verified(photos: Iterable[Evidence]) -> None:
    """Each of ``photos`` was just verified, with its flags: their days count them."""
    added: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # (site, day): [verified, reused, ...]
    for evidence in photos:
        reused, stale = evidence.reused_from_id is not None, bool(evidence.stale_capture)
        counts = added[(evidence.site_id, evidence.day)]
        for i, n in enumerate((1, reused, stale, reused or stale)):
            counts[i] += int(n)
    _add([(site_id, day, *counts) for (site_id, day), counts in added.items()])


def copies_flagged(copies: Iterable[tuple]) -> None:
    """Verified photos, as (site id, day, stale_capture), were just flagged as reused (they had no such flag)."""
    added: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # (site, day): [reused, suspect] added
    for site_id, day, stale in copies:
        added[(site_id, day)][0] += 1
        added[(site_id, day)][1] += 0 if stale else 1  # a stale photo was suspect already
    _add([(site_id, day, 0, reused, 0, suspect) for (site_id, day), (reused, suspect) in added.items()])
