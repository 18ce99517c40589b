"""Keeps ``SitePhotoDay``: per site and day, the verified photos and their trust flags, by increments, and the
site's running totals up to each day (what the variance answer reads: two rows per site for any period).
A photo rejected on review stops counting, and a flagged photo cleared on review stops counting as suspect:
both are increments too, of -1 (``photo_withdrawn``, ``flags_cleared``).

Increments, not recounts: two transactions changing one site's day (a photo verified there while a
confirmation at another site flags a copy of it) each add to the row under its row lock, and neither
overwrites the other's count with one that missed it.

The running totals need more than row locks: a day's first photo makes a row whose totals start from the
row before it, and a transaction that adds to every later row at the same time would miss the new row (its
statement does not see rows inserted after it began) while the new row missed its increment. So every
writer of a site's counts first takes that site's photo lock (a transaction-scoped advisory lock, in site
order within a call) by a statement of its own, and then reads and writes with a snapshot taken after it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cache

from django.db import connection

from ..models import Evidence, SitePhotoDay

# Namespace of the photo locks (pg_advisory_xact_lock(namespace, site id)); "PHOT" in ASCII.
PHOTO_LOCK_SPACE = 0x50484F54
_FIELDS = ("verified", "reused", "stale", "suspect")


@cache
def _upsert_sql() -> str:
    """One day's increments: added to the day's row (made with the totals of the site's row before it if new)
    and to the totals of every later row of the site."""
    t = connection.ops.quote_name(SitePhotoDay._meta.db_table)
    totals = ", ".join(f"{f}_total" for f in _FIELDS)
    return (
        f"WITH before AS (SELECT {totals} FROM {t} WHERE site_id = %(site)s AND day < %(day)s "
        "ORDER BY day DESC LIMIT 1), "
        f"later AS (UPDATE {t} SET {', '.join(f'{f}_total = {f}_total + %({f})s' for f in _FIELDS)} "
        "WHERE site_id = %(site)s AND day > %(day)s RETURNING 1) "
        f"INSERT INTO {t} (site_id, day, {', '.join(_FIELDS)}, {totals}) "
        f"SELECT %(site)s, %(day)s, {', '.join(f'%({f})s' for f in _FIELDS)}, "
        f"{', '.join(f'COALESCE((SELECT {f}_total FROM before), 0) + %({f})s' for f in _FIELDS)} "
        "ON CONFLICT (site_id, day) DO UPDATE SET "
        + ", ".join(f"{f} = {t}.{f} + excluded.{f}, {f}_total = {t}.{f}_total + excluded.{f}" for f in _FIELDS)
    )


@cache
def _subtract_sql() -> str:
    """One day's decrements, from a row that exists (it counts the photo): from the day's counts and from the
    totals of its row and every later row of the site. An UPDATE, not the upsert: PostgreSQL checks the
    counts' constraints (>= 0) on the row an INSERT proposes, before it finds the conflict."""
    t = connection.ops.quote_name(SitePhotoDay._meta.db_table)
    sets = ", ".join(f"{f} = {f} - CASE WHEN day = %(day)s THEN %({f})s ELSE 0 END, {f}_total = {f}_total - %({f})s"
                     for f in _FIELDS)
    return f"UPDATE {t} SET {sets} WHERE site_id = %(site)s AND day >= %(day)s"


def _add(rows: Iterable[tuple]) -> None:
    """Add each row's counts (site id, day, *counts) to its day: increments, or decrements (all counts <= 0)."""
    rows = [r for r in rows if r[1] is not None]  # a photo without a day stands for none
    if not rows:
        return
    with connection.cursor() as cursor:
        # The lock, then the writes in statements that start after it is granted (module docstring).
        cursor.execute("SELECT count(pg_advisory_xact_lock(%s, s)) FROM (SELECT DISTINCT s FROM unnest(%s::int[]) s "
                       "ORDER BY s) locks", [PHOTO_LOCK_SPACE, sorted({r[0] for r in rows})])
        added = [r for r in sorted(rows) if min(r[2:]) >= 0]
        taken = [r for r in sorted(rows) if min(r[2:]) < 0]
        if added:
            cursor.executemany(_upsert_sql(), [{"site": site_id, "day": day,
                                                **dict(zip(_FIELDS, counts, strict=True))}
                                               for site_id, day, *counts in added])
        if taken:
            cursor.executemany(_subtract_sql(), [{"site": site_id, "day": day,
                                                  **{f: -n for f, n in zip(_FIELDS, counts, strict=True)}}
                                                 for site_id, day, *counts in taken])


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


def photo_withdrawn(evidence: Evidence, *, cleared: bool) -> None:
    """``evidence``, verified and counted, was rejected on review: its day no longer counts it, nor its flags.
    ``cleared``: it had been cleared on review, so it was no longer counted as suspect."""
    reused, stale = evidence.reused_from_id is not None, bool(evidence.stale_capture)
    suspect = (reused or stale) and not cleared
    _add([(evidence.site_id, evidence.day, -1, -int(reused), -int(stale), -int(suspect))])


def flags_cleared(evidence: Evidence) -> None:
    """``evidence``, verified and flagged (reused or stale), was cleared on review: still reused or stale, as its
    flags say, but no longer counted as suspect."""
    _add([(evidence.site_id, evidence.day, 0, 0, 0, -1)])
