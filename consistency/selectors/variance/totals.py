"""The two aggregate queries of the variance engine, over the running totals of models/summary.py.

A period's numbers for one site and criterion are total(end) - total(start - 1). The total on day X is
the row dated X, or the site's head row when the site's last row is before X (nothing changed since),
or 0 when the key has no row yet. Both queries read only the rows of the boundary days and the heads:
``date IN (boundaries) OR is_head``, a fixed number of rows per site and criterion, whatever the
length of the period. Plain ORM (CASE/SUM), so the same SQL runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Sum, Value, When

from sites.models import Site

from ...models import CriterionRollup, SiteRollup
from .timeline import Segment

ONE_DAY = dt.timedelta(days=1)
CRITERION_FIELDS = ("observations", "passed", "deviation_sum", "deviation_sq_sum")
SITE_FIELDS = ("checked_days", "late_checks")


def _total_on(day: dt.date) -> Q:
    # The row dated ``day``, or the head when the site's last row is older: never both for one key.
    return Q(date=day) | Q(is_head=True, date__lt=day)


def _delta(field: str, seg: Segment):
    output = FloatField() if field.startswith("deviation") else IntegerField()
    zero = Value(0.0) if field.startswith("deviation") else Value(0)

    def total(day):
        return Sum(Case(When(_total_on(day), then=F(field)), default=zero, output_field=output))

    return total(seg.end) - total(seg.start - ONE_DAY)


def _boundaries(segments: list[Segment]) -> set[dt.date]:
    return {s.start - ONE_DAY for s in segments} | {s.end for s in segments}


def _query(model, group: tuple[str, ...], fields: tuple[str, ...], *, sites: QuerySet[Site],
           segments: list[Segment]):
    names, aggregates = [], {}
    for j, seg in enumerate(segments):
        for f in fields:
            name = f"{f}_{j}"
            names.append(name)
            aggregates[name] = _delta(f, seg)
    qs = (model.objects
          .filter(site_id__in=sites.order_by().values("pk"))
          .filter(Q(date__in=sorted(_boundaries(segments))) | Q(is_head=True))
          .values(*group).annotate(**aggregates).order_by()
          .values_list(*group, *names))
    return qs


def criterion_totals(*, sites: QuerySet[Site], segments: list[Segment]) -> list[tuple]:
    """[(site_id, key, then per segment: observations, passed, deviation_sum, deviation_sq_sum), ...]"""
    if not segments:
        return []
    return list(_query(CriterionRollup, ("site_id", "key"), CRITERION_FIELDS, sites=sites, segments=segments))


def site_totals(*, sites: QuerySet[Site], segments: list[Segment]) -> list[tuple]:
    """[(site_id, then per segment: checked_days, late_checks), ...]"""
    if not segments:
        return []
    return list(_query(SiteRollup, ("site_id",), SITE_FIELDS, sites=sites, segments=segments))
