"""Keeps ``SitePhotoDay``: per site and day, the verified photos and their trust flags, by increments.

Increments, not recounts: two transactions changing one site's day (a photo verified there while a
confirmation at another site flags a copy of it) each add to the row under its row lock, and neither
overwrites the other's count with one that missed it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import connection

from ..models import Evidence, SitePhotoDay

_UPSERT = None


def _upsert_sql() -> str:
    global _UPSERT
    if _UPSERT is None:
        t = connection.ops.quote_name(SitePhotoDay._meta.db_table)
        _UPSERT = (f"INSERT INTO {t} (site_id, day, verified, reused, stale, suspect) VALUES (%s, %s, %s, %s, %s, %s) "
                   f"ON CONFLICT (site_id, day) DO UPDATE SET verified = {t}.verified + excluded.verified, "
                   f"reused = {t}.reused + excluded.reused, stale = {t}.stale + excluded.stale, "
                   f"suspect = {t}.suspect + excluded.suspect")
    return _UPSERT


def _add(rows: Iterable[tuple]) -> None:
    rows = [r for r in rows if r[1] is not None]  # a photo without a day stands for none
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_upsert_sql(), rows)


def photo_verified(evidence: Evidence) -> None:
    """``evidence`` was just verified, with its flags: its day counts it."""
    reused, stale = evidence.reused_from_id is not None, bool(evidence.stale_capture)
    _add([(evidence.site_id, evidence.day, 1, int(reused), int(stale), int(reused or stale))])


def copies_flagged(ids: Iterable[int]) -> None:
    """The verified photos ``ids`` were just flagged as reused (they had no flag of reuse before)."""
    counts: Counter = Counter()
    for site_id, day, stale in Evidence.objects.filter(pk__in=list(ids)).values_list("site_id", "day",
                                                                                     "stale_capture"):
        counts[(site_id, day)] += 1
        counts[(site_id, day, "suspect")] += 0 if stale else 1
    _add([(site_id, day, 0, n, 0, counts[(site_id, day, "suspect")])
          for (site_id, day, *rest), n in counts.items() if not rest])
