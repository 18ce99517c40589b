"""The hook every writer of check results calls, inside its transaction, after results change.

Writers (check submission, amendments, evidence verification) call ``results_changed`` with the site
and the local dates whose results they inserted or changed. It keeps the running totals of
``consistency.models.summary`` (CriterionRollup, SiteRollup) exactly equal to what the raw current
results say, so the variance engine can read two rows per site and criterion instead of every result.

How: the totals of the changed site are rebuilt from the earliest changed day to the site's last day
(dense, one row per day and criterion key), starting from the stored totals of the day before. A
check for today rewrites one day (a row per criterion); an amendment of a check 30 days back
rewrites 30 days. Counted are current results on days on or after the site opened whose criterion
key belongs to the version in force that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max, Min

from sites.models import Site

from ..models import CheckResult, CriterionRollup, DailyCheck, SiteRollup
from ..selectors.variance.timeline import Timeline

ONE_DAY = dt.timedelta(days=1)


def results_changed(*, site_id: int, dates: Iterable[dt.date]) -> None:
    """Bring the variance totals of this site up to date after its results on ``dates`` changed."""
    dates = sorted(set(dates))
    if not dates:
        return
    # savepoint=False: inside the writer's transaction there is nothing to roll back separately.
    with transaction.atomic(savepoint=False):
        # The site row lock serialises rollups of one site: two writers of the same site would otherwise
        # each rebuild from a base the other is about to replace.
        site = Site.objects.select_for_update().only("id", "opened_on").get(pk=site_id)
        first = max(dates[0], site.opened_on)
        last = dates[-1]
        if last < site.opened_on:
            return
        head = SiteRollup.objects.filter(site_id=site_id, is_head=True).values_list("date", flat=True).first()
        if head is not None:
            # Rows are dense up to the head; a later day also fills the gap of missed days before it.
            first, last = min(first, head + ONE_DAY), max(last, head)
        _rebuild(site, first, last, Timeline.load(), head=head)


def rebuild(*, site_ids: Iterable[int] | None = None) -> int:
    """Recompute the totals of these sites (all sites if None) from the raw results; returns rows written.

    For data written before the rollup existed, or to repair; writers never need it.
    """
    timeline = Timeline.load()
    qs = Site.objects.all() if site_ids is None else Site.objects.filter(pk__in=list(site_ids))
    written = 0
    for site_id in qs.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            site = Site.objects.select_for_update().only("id", "opened_on").get(pk=site_id)
            CriterionRollup.objects.filter(site_id=site_id).delete()
            SiteRollup.objects.filter(site_id=site_id).delete()
            span = DailyCheck.objects.filter(site_id=site_id, is_current=True,
                                             date__gte=site.opened_on).aggregate(lo=Min("date"), hi=Max("date"))
            if span["lo"] is not None:
                written += _rebuild(site, span["lo"], span["hi"], timeline, head=None)
    return written


def _rebuild(site: Site, start: dt.date, end: dt.date, timeline: Timeline, *, head: dt.date | None) -> int:
    """Rewrite the rows of [start, end]; ``head`` is the site's current last day (None: no rows yet)."""
    site_id = site.pk
    before = start - ONE_DAY
    totals: dict[str, list] = {
        key: [n, p, s, s2]
        for key, n, p, s, s2 in CriterionRollup.objects.filter(site_id=site_id, date=before).values_list(
            "key", "observations", "passed", "deviation_sum", "deviation_sq_sum")
    }
    base = SiteRollup.objects.filter(site_id=site_id, date=before).values_list("checked_days", "late_checks").first()
    checked, late = base or (0, 0)

    results: dict[dt.date, list[tuple[str, bool, float]]] = {}
    for day, key, passed, deviation in (CheckResult.objects
                                        .filter(site_id=site_id, is_current=True, date__range=(start, end))
                                        .values_list("date", "criterion__key", "passed", "deviation")):
        results.setdefault(day, []).append((key, passed, deviation))
    checks = dict(DailyCheck.objects.filter(site_id=site_id, is_current=True, date__range=(start, end))
                  .values_list("date", "late"))

    if head is not None and head >= start:
        CriterionRollup.objects.filter(site_id=site_id, date__gte=start).delete()
        SiteRollup.objects.filter(site_id=site_id, date__gte=start).delete()
    elif head is not None:
        # Extending past the old last day: that day stops being the head.
        CriterionRollup.objects.filter(site_id=site_id, date=head, is_head=True).update(is_head=False)
        SiteRollup.objects.filter(site_id=site_id, date=head, is_head=True).update(is_head=False)

    criterion_rows: list[tuple] = []
    site_rows: list[tuple] = []
    as_param = connection.ops.adapt_datefield_value  # SQLite takes ISO text, PostgreSQL the date
    day = start
    while day <= end:
        expected = timeline.keys_expected(day)
        for key, passed, deviation in results.get(day, ()):
            if key not in expected:  # a result for a criterion the day's version does not have
                continue
            t = totals.get(key)
            if t is None:
                t = totals[key] = [0, 0, 0.0, 0.0]
            t[0] += 1
            t[1] += 1 if passed else 0
            t[2] += deviation
            t[3] += deviation * deviation
        if day in checks:
            checked += 1
            late += 1 if checks[day] else 0
        last, value = day == end, as_param(day)
        site_rows.append((site_id, value, checked, late, last))
        for key, (n, p, s, s2) in totals.items():
            criterion_rows.append((site_id, key, value, n, p, s, s2, last))
        day += ONE_DAY
    _insert(SiteRollup, ("site_id", "date", "checked_days", "late_checks", "is_head"), site_rows)
    _insert(CriterionRollup, ("site_id", "key", "date", "observations", "passed", "deviation_sum",
                              "deviation_sq_sum", "is_head"), criterion_rows)
    return len(site_rows) + len(criterion_rows)


def _insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Multi-row INSERTs of plain tuples: building an ORM instance per row cost far more than the
    database's work (a 90-day rebuild of one site is 3,600 rows), and one statement per row as much again."""
    if not rows:
        return
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES "
    one = f"({', '.join(['%s'] * len(columns))})"
    limit = connection.features.max_query_params or 10_000
    batch = max(1, min(1000, limit // len(columns)))
    with connection.cursor() as cursor:
        for i in range(0, len(rows), batch):
            chunk = rows[i:i + batch]
            cursor.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])
