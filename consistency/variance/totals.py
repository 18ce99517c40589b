"""The two aggregate queries of the variance engine, over the running totals of models/summary.py.

A period's numbers for one site and criterion are total(end) - total(start - 1). The total on day X is
the row dated X, or the site's head row when the site's last row is before X (nothing changed since),
or 0 when the key is not in the row yet. Both queries read only the rows of the boundary days and the
heads: ``date IN (boundaries) OR is_head``, a fixed number of rows per site, whatever the length of the
period. The criterion totals are arrays in each row (one entry per key), unnested side by side.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from sites.models import Site

from ..models import SiteRollup
from .timeline import Segment

ONE_DAY = dt.timedelta(days=1)
CRITERION_FIELDS = ("observations", "passed", "deviation_sum", "deviation_sq_sum")
SITE_FIELDS = ("checked_days", "late_checks")

# 1 when the row holds the total on that day (the row dated that day, or the head when the site's last
# row is older; never both for one site), else 0.
_TOTAL_ON = "CASE WHEN (date = %s OR (is_head AND date < %s)) THEN 1 ELSE 0 END"


def _query(fields: list[tuple[str, ...]], *, per_key: bool, sites: QuerySet[Site],
           segments: list[Segment]) -> list[tuple]:
    """One row per site (``per_key``: per site and criterion key): for each segment j, the change of each
    of ``fields[j]`` over the segment.

    Each row gets a sign per segment (+1 at the segment's end, -1 the day before its start), worked
    out once in the inner query; the sums multiply by it. Written as SQL rather than built with the
    ORM: the ORM took longer to compile these expressions than the database took to run them.
    """
    qn = connection.ops.quote_name
    day = connection.ops.adapt_datefield_value
    signs, columns, params = [], [], []
    for j, (seg, seg_fields) in enumerate(zip(segments, fields, strict=True)):
        end, before = day(seg.end), day(seg.start - ONE_DAY)
        signs.append(f"({_TOTAL_ON}) - ({_TOTAL_ON}) AS s{j}")
        params += [end, end, before, before]
        columns += [f"SUM({'u' if per_key else 'b'}.{f} * b.s{j})" for f in seg_fields]
    boundaries = sorted({s.start - ONE_DAY for s in segments} | {s.end for s in segments})
    try:
        site_sql, site_params = sites.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # Site.objects.none(): nothing to read
        return []
    needed = ("keys", *CRITERION_FIELDS) if per_key else sorted({f for seg_fields in fields for f in seg_fields})
    inner = (f"SELECT site_id, {', '.join(qn(f) for f in needed)}, {', '.join(signs)} "
             f"FROM {qn(SiteRollup._meta.db_table)} "
             f"WHERE site_id IN ({site_sql}) AND (date IN ({', '.join(['%s'] * len(boundaries))}) OR is_head)")
    if not per_key:
        sql = f"SELECT b.site_id, {', '.join(columns)} FROM ({inner}) b GROUP BY b.site_id"
    else:
        sql = (f"SELECT b.site_id, u.key, {', '.join(columns)} FROM ({inner}) b CROSS JOIN LATERAL "
               f"unnest(b.keys, {', '.join('b.' + f for f in CRITERION_FIELDS)}) AS u(key, {', '.join(CRITERION_FIELDS)}) "
               "GROUP BY b.site_id, u.key")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *site_params, *(day(b) for b in boundaries)])
        return cursor.fetchall()


def criterion_totals(*, sites: QuerySet[Site], segments: list[Segment], current: set[int]) -> list[tuple]:
    """[(site_id, key, per current segment: observations, passed, deviation_sum, deviation_sq_sum;
    per previous segment: passed), ...] in segment order."""
    if not segments:
        return []
    fields = [CRITERION_FIELDS if j in current else ("passed",) for j in range(len(segments))]
    return _query(fields, per_key=True, sites=sites, segments=segments)


def site_totals(*, sites: QuerySet[Site], segments: list[Segment], current: set[int]) -> list[tuple]:
    """[(site_id, per current segment: checked_days, late_checks; per previous one: checked_days), ...]"""
    if not segments:
        return []
    fields = [SITE_FIELDS if j in current else ("checked_days",) for j in range(len(segments))]
    return _query(fields, per_key=False, sites=sites, segments=segments)
