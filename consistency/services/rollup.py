"""The hook every writer of check results calls, inside its transaction, after results change.

Writers (check submission, amendments, evidence verification) call ``results_changed`` with the site
and the local dates whose results they inserted or changed. It keeps the running totals of
``consistency.models.summary.SiteRollup`` exactly equal to what the raw current results say, so the
variance engine can read two rows per site instead of every result.

How: the totals of the changed site are rebuilt from the earliest changed day to the site's last day
(dense, one row per day holding every criterion key's totals), starting from the stored totals of the
day before. A check for today writes one row; an amendment of a check 30 days back rewrites 30 rows. Counted are current results on days on or after the site opened whose criterion
key belongs to the version in force that day, of every part (the site's own check and a department's); a day
counts as checked (and late) by the site's own check only. A result of a criterion marked not applicable at
the site on its day (``applicability``) is not counted: marks never delete results, the totals leave them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef

from sites.models import Site

from ..models import CheckResult, Criterion, DailyCheck, SiteRollup
from ..models.review import NotApplicable
from ..selectors.standard import version_in_force_sql
from ..variance.timeline import Timeline
from .applicability import covering, covering_sql

ONE_DAY = dt.timedelta(days=1)


def results_changed(*, site_id: int, dates: Iterable[dt.date], site_locked: bool = False) -> None:
    """Bring the variance totals of this site up to date after its results on ``dates`` changed.

    ``site_locked``: the caller's transaction already holds the site's row lock (:func:`lock_site`).
    """
    dates = sorted(set(dates))
    if not dates:
        return
    # savepoint=False: inside the writer's transaction there is nothing to roll back separately.
    with transaction.atomic(savepoint=False):
        # The site row lock serialises rollups of one site: two writers of the same site would otherwise
        # each rebuild from a base the other is about to replace. It is taken by a statement of its own:
        # in READ COMMITTED a statement that waited for the lock still reads with the snapshot it started
        # with, so what is read must be read by a later statement.
        if not site_locked:
            lock_site(site_id)
        if len(dates) == 1:
            # The common case, a check for a day after the last one, in one statement; otherwise it tells
            # what the rebuild below needs.
            appended, opened_on, head = _append_day(site_id, dates[0])
            if appended:
                return
        else:
            opened_on, head = _site_head(site_id)
        rebuild_days(site_id=site_id, dates=dates, opened_on=opened_on, head=head)


def rebuild_days(*, site_id: int, dates: list[dt.date], opened_on: dt.date, head: dt.date | None) -> None:
    """Rewrite the totals from the earliest of ``dates`` on, for days that could not simply be appended
    (``head``: the site's last day of totals before the change, None if it has none). The caller holds the
    site's lock."""
    first = max(min(dates), opened_on)
    last = max(dates)
    if last < opened_on:
        return
    if head is not None:
        # Rows are dense up to the head; a later day also fills the gap of missed days before it.
        first, last = min(first, head + ONE_DAY), max(last, head)
    _rebuild(Site(pk=site_id, opened_on=opened_on), first, last, Timeline.load(), head=head)


def rebuild_from(*, site_id: int, day: dt.date, site_locked: bool = False) -> None:
    """Rewrite the site's totals from ``day`` to its last day (a mark made or ended: the days it changes). Nothing
    when the site has no totals on or after ``day``: later days are appended as their checks come."""
    with transaction.atomic(savepoint=False):
        if not site_locked:
            lock_site(site_id)
        opened_on, head = _site_head(site_id)
        if head is not None and day <= head:
            rebuild_days(site_id=site_id, dates=[day], opened_on=opened_on, head=head)


def lock_site(site_id: int) -> None:
    """Lock the site's row until the transaction ends.

    The lock of everything written about a site's days: checks, amendments, photos counted into results,
    totals. Every writer takes it before any other row lock of the site's checks, so that two writers wait
    for each other instead of deadlocking."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(Site._meta.db_table)} WHERE id = %s FOR UPDATE",
                       [site_id])
        if cursor.fetchone() is None:
            raise Site.DoesNotExist(site_id)


def _site_head(site_id: int) -> tuple[dt.date, dt.date | None]:
    """The site's opening day and the head day of its totals (None: no rows yet)."""
    qn = connection.ops.quote_name
    sql = (f"SELECT s.opened_on, (SELECT h.date FROM {qn(SiteRollup._meta.db_table)} h WHERE h.site_id = s.id "
           f"AND h.is_head) FROM {qn(Site._meta.db_table)} s WHERE s.id = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [site_id])
        row = cursor.fetchone()
    if row is None:
        raise Site.DoesNotExist(site_id)
    return row[0], row[1]


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
            SiteRollup.objects.filter(site_id=site_id).delete()
            span = DailyCheck.objects.filter(site_id=site_id, is_current=True,
                                             date__gte=site.opened_on).aggregate(lo=Min("date"), hi=Max("date"))
            if span["lo"] is not None:
                written += _rebuild(site, span["lo"], span["hi"], timeline, head=None)
    return written


def _rebuild(site: Site, start: dt.date, end: dt.date, timeline: Timeline, *, head: dt.date | None) -> int:
    """Rewrite the rows of [start, end]; ``head`` is the site's current last day (None: no rows yet)."""
    site_id = site.pk
    base = SiteRollup.objects.filter(site_id=site_id, date=start - ONE_DAY).first()
    totals: dict[str, list] = {key: list(t) for key, t in base.criterion_totals().items()} if base else {}
    checked, late = (base.checked_days, base.late_checks) if base else (0, 0)

    results: dict[dt.date, list[tuple[str, bool, float]]] = {}
    # Through the site's checks (indexed by site and day), then each check's results (by check); not those of a
    # criterion marked not applicable at the site on their day (applicability.covering).
    not_applicable = NotApplicable.objects.filter(covering(OuterRef("daily_check__date")), site_id=site_id,
                                                  criterion_key=OuterRef("criterion__key"))
    for day, key, passed, deviation in (CheckResult.objects
                                        .filter(daily_check__site_id=site_id, daily_check__is_current=True,
                                                daily_check__date__range=(start, end))
                                        .exclude(Exists(not_applicable))
                                        .values_list("daily_check__date", "criterion__key", "passed", "deviation")):
        results.setdefault(day, []).append((key, passed, deviation))
    # Every part's results count (above); a day is checked, and late, by the site's own check only (a
    # department's check, e.g. accounting's, is not the site's daily check).
    checks = dict(DailyCheck.objects.filter(site_id=site_id, is_current=True, department__isnull=True,
                                            date__range=(start, end))
                  .values_list("date", "late"))

    if head is not None and head >= start:
        SiteRollup.objects.filter(site_id=site_id, date__gte=start).delete()
    elif head is not None:
        # Extending past the old last day: that day stops being the head.
        SiteRollup.objects.filter(site_id=site_id, date=head, is_head=True).update(is_head=False)

    rows: list[SiteRollup] = []
    day = start
    while day <= end:
        expected = timeline.keys_expected(day)
        _count(totals, (r for r in results.get(day, ()) if r[0] in expected))  # the day's version's keys only
        if day in checks:
            checked += 1
            late += 1 if checks[day] else 0
        keys = sorted(totals)
        rows.append(SiteRollup(site_id=site_id, date=day, checked_days=checked, late_checks=late, is_head=day == end,
                               keys=keys, observations=[totals[k][0] for k in keys],
                               passed=[totals[k][1] for k in keys], deviation_sum=[totals[k][2] for k in keys],
                               deviation_sq_sum=[totals[k][3] for k in keys]))
        day += ONE_DAY
    SiteRollup.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _count(totals: dict[str, list], results) -> None:
    """Add results (key, passed, deviation) to running totals by key: [observations, passed, sum, sum of
    squares]."""
    for key, passed, deviation in results:
        t = totals.get(key)
        if t is None:
            t = totals[key] = [0, 0, 0.0, 0.0]
        t[0] += 1
        t[1] += 1 if passed else 0
        t[2] += deviation
        t[3] += deviation * deviation


def add_to_head(*, site_id: int, day: dt.date, results, own_check: bool, late: bool) -> None:
    """A new check of the site's head day (the day's second part: a department's check after the site's own, or
    the site's after a department's): its results and, for the site's own, the checked day added to the head
    row. Equal to rebuilding the day (``rebuild_days``: the day before's totals plus every current result of
    the day), since no earlier row changes, in two statements instead of seven. ``results``: (key, passed,
    deviation), judged by the version in force that day (so every key counts). The caller holds the lock."""
    row = SiteRollup.objects.get(site_id=site_id, date=day, is_head=True)
    totals: dict[str, list] = {key: list(t) for key, t in row.criterion_totals().items()}
    _count(totals, results)
    keys = sorted(totals)
    SiteRollup.objects.filter(pk=row.pk).update(
        keys=keys, observations=[totals[k][0] for k in keys], passed=[totals[k][1] for k in keys],
        deviation_sum=[totals[k][2] for k in keys], deviation_sq_sum=[totals[k][3] for k in keys],
        checked_days=row.checked_days + own_check, late_checks=row.late_checks + (own_check and late))


def append_day_ctes(*, results: str, checks: str, gate: str = "") -> tuple[str, dict]:
    """The CTEs that append the day ``%(date)s`` of the site ``%(site_id)s`` after its head, for one statement,
    and the parameters they add.

    ``results``: a relation of that day's current results, of every part (columns criterion_id, passed,
    deviation); ``checks``: a relation of that day's current site's own check (column late: the days checked
    and late count it alone); ``gate``: a further condition
    (SQL) for appending at all. The CTE ``appended_day`` has a row when the day is appended; ``site_head``
    has the site's head day and opening day as they were. The check writer appends in its write statement,
    from the rows it inserts.
    """
    qn = connection.ops.quote_name
    sr, crit, site = qn(SiteRollup._meta.db_table), qn(Criterion._meta.db_table), qn(Site._meta.db_table)
    columns = "site_id, date, checked_days, late_checks, is_head, keys, observations, passed, deviation_sum, " \
              "deviation_sq_sum"
    in_force, params = version_in_force_sql("%(date)s::date")
    gap = "generate_series((a.head + 1)::timestamp, (a.day - 1)::timestamp, interval '1 day') AS g(d)"
    sql = (
        f"site_head AS (SELECT (SELECT h.date FROM {sr} h WHERE h.site_id = s.id AND h.is_head) AS head, "
        f"%(date)s::date AS day, s.opened_on FROM {site} s WHERE s.id = %(site_id)s {gate}), "
        # Appended only for a day after the head (or a site's first day), on or after the site opened.
        "appended_day AS (SELECT head, day FROM site_head WHERE (head IS NULL OR head < day) AND opened_on <= day), "
        f"prev AS (SELECT b.* FROM appended_day a JOIN {sr} b ON b.site_id = %(site_id)s AND b.date = a.head), "
        # The old head stops being the head.
        f"head_off AS (UPDATE {sr} u SET is_head = false FROM appended_day a WHERE u.site_id = %(site_id)s "
        "AND u.date = a.head AND u.is_head RETURNING 1), "
        # The keys of the version in force that day, found once (a subquery inside ``new`` would be run again
        # for every result row).
        f"in_force AS (SELECT e.key FROM {crit} e WHERE e.version_id = {in_force} "
        "AND EXISTS (SELECT 1 FROM appended_day)), "
        # The day: the head's totals plus the day's current check and results, merged by key.
        "new AS (SELECT k.key AS key, COUNT(*) AS n, SUM(r.passed::int) AS p, "
        "SUM(r.deviation) AS s, SUM(r.deviation * r.deviation) AS s2 "
        f"FROM appended_day a CROSS JOIN {results} r JOIN {crit} k ON k.id = r.criterion_id "
        "WHERE k.key IN (SELECT key FROM in_force) GROUP BY k.key), "
        "old AS (SELECT u.* FROM prev b CROSS JOIN LATERAL "
        "unnest(b.keys, b.observations, b.passed, b.deviation_sum, b.deviation_sq_sum) AS u(key, n, p, s, s2)), "
        "merged AS (SELECT key, SUM(n)::integer AS n, SUM(p)::integer AS p, SUM(s) AS s, SUM(s2) AS s2 "
        "FROM (SELECT * FROM old UNION ALL SELECT * FROM new) x GROUP BY key), "
        # Missed days between the head and the day: the head's totals, unchanged; then the day.
        f"day_rows AS (INSERT INTO {sr} ({columns}) SELECT b.site_id, g.d::date, b.checked_days, b.late_checks, "
        "false, b.keys, b.observations, b.passed, b.deviation_sum, b.deviation_sq_sum "
        f"FROM appended_day a CROSS JOIN prev b CROSS JOIN {gap} UNION ALL "
        f"SELECT %(site_id)s, a.day, COALESCE(b.checked_days, 0) + (SELECT count(*) FROM {checks} c), "
        f"COALESCE(b.late_checks, 0) + (SELECT count(*) FROM {checks} c WHERE c.late), true, "
        "COALESCE(m.keys, '{}'), COALESCE(m.n, '{}'), COALESCE(m.p, '{}'), COALESCE(m.s, '{}'), COALESCE(m.s2, '{}') "
        "FROM appended_day a LEFT JOIN prev b ON true CROSS JOIN (SELECT array_agg(key ORDER BY key) AS keys, "
        "array_agg(n ORDER BY key) AS n, array_agg(p ORDER BY key) AS p, array_agg(s ORDER BY key) AS s, "
        "array_agg(s2 ORDER BY key) AS s2 FROM merged) m)"
    )
    return sql, params


@cache
def _append_day_sql() -> tuple[str, dict]:
    qn = connection.ops.quote_name
    res, chk = qn(CheckResult._meta.db_table), qn(DailyCheck._meta.db_table)
    checks = (f"(SELECT late FROM {chk} WHERE site_id = %(site_id)s AND date = %(date)s AND is_current "
              "AND department_id IS NULL)")
    crit = qn(Criterion._meta.db_table)
    # Not the results of a criterion marked not applicable that day (a check refuses them; one stored before the
    # mark stays, uncounted).
    marked, marked_params = covering_sql(site="%(site_id)s", day="%(date)s::date", key="k.key")
    results = (f"(SELECT r.criterion_id, r.passed, r.deviation FROM {chk} c JOIN {res} r ON r.daily_check_id = c.id "
               f"JOIN {crit} k ON k.id = r.criterion_id "
               "WHERE c.site_id = %(site_id)s AND c.date = %(date)s AND c.is_current "
               f"AND NOT EXISTS {marked})")
    ctes, params = append_day_ctes(results=results, checks=checks)
    return (f"WITH {ctes} SELECT (SELECT count(*) FROM appended_day), h.opened_on, h.head FROM site_head h"), \
        {**params, **marked_params}


def _append_day(site_id: int, day: dt.date) -> tuple[bool, dt.date, dt.date | None]:
    """The rows of ``day`` (after the head) in one statement, the head read inside it (after the caller's
    lock), nothing read back: equal to ``_rebuild(site, head + 1, day)``. Missed days between the head and
    ``day`` repeat the head's totals; ``day`` adds its current results whose key belongs to the version in
    force that day and its current check.

    Returns whether it appended, the site's opening day and the head day it found (before appending).
    Nothing is written when ``day`` is not after the head or is before the site opened: the caller
    rebuilds instead."""
    sql, params = _append_day_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "site_id": site_id, "date": day})
        row = cursor.fetchone()
    if row is None:
        raise Site.DoesNotExist(site_id)
    return row[0] == 1, row[1], row[2]
