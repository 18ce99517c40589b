"""The variance engine: every site against the standard and against the rest of the network.

Reads (a fixed number of queries, whatever the number of sites, days or criteria):
 1. every released version's criteria (timeline.py), 2. the sites in scope,
 3. per site and criterion key, and 4. per site, the running totals at the period's boundaries
    (totals.py), computed by the database as differences of the summary rows; 5. per site, the period's
    verified photos and their trust flags (photos.py); 6. when the period reaches a site's local today,
    which sites have today's check in.

Expected observations: for an active site, each local day of the period on or after ``opened_on`` and
up to the site's local yesterday (today too once its check is in: the day is not over) on which a version
is in force, times the criteria of that day's version
(a key the day's version does not have is not expected that day). A day with no check adds expected
observations and no pass. An inactive site is expected only on the days it did check.
The period is split into segments where the version changes, so every pass is weighted by the weight
its criterion had on that day. The trend compares with the previous period of the same length.

The arithmetic runs on sites x criteria arrays (grid.py); assemble.py turns them into the answer.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from itertools import repeat
from typing import NamedTuple

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from sites.models import Site

from ..models import DailyCheck
from . import totals
from .assemble import assemble
from .grid import Grid, Layout, compute
from .photos import photo_counts
from .timeline import Segment, Timeline, WeightedCriterion
from .types import VarianceReport


def variance_report(*, date_from: dt.date, date_to: dt.date, sites: QuerySet[Site]) -> VarianceReport:
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    timeline = Timeline.load()
    length = date_to - date_from + dt.timedelta(days=1)
    segments = timeline.segments(date_from - length, date_to, cuts=(date_from,))
    layout = _layout(segments, date_from)
    site_list = [SiteRow(*row) for row in sites.order_by("code").values_list(
        "pk", "code", "name", "region__code", "timezone", "active", "opened_on")]
    versions = sorted({segments[j].version.number for j in layout.current if segments[j].version is not None})
    if not site_list:
        return assemble(layout, site_list, None, date_from=date_from, date_to=date_to, versions=versions)

    current = set(layout.current)
    site_rows = totals.site_totals(sites=sites, segments=segments, current=current)
    criterion_rows = totals.criterion_totals(sites=sites, segments=segments, current=current)
    grid = Grid.empty(len(site_list), layout)
    index = {site.pk: i for i, site in enumerate(site_list)}
    now = timezone.now()  # one instant for "today" in every time zone, here and in _fill_days
    _fill_days(grid, layout, site_list, site_rows, index, now=now,
               checked_today=_checked_today(sites, site_list, date_to, now=now))
    _fill_totals(grid, layout, criterion_rows, np.array([site.pk for site in site_list], dtype=np.int64))
    compute(grid, layout)
    return assemble(layout, site_list, grid, date_from=date_from, date_to=date_to, versions=versions,
                    photos=photo_counts(sites=sites, date_from=date_from, date_to=date_to))


class SiteRow(NamedTuple):
    pk: int
    code: str
    name: str
    region: str
    timezone: str
    active: bool
    opened_on: dt.date


def _layout(segments: list[Segment], date_from: dt.date) -> Layout:
    """The criterion keys (the latest version's in its order, then keys only older versions had), their
    weight in each segment (0: not in that day's version) and their touch point."""
    latest: dict[str, WeightedCriterion] = {}
    for seg in reversed(segments):
        if seg.version is not None:
            for key, spec in sorted(seg.version.criteria.items(), key=lambda kv: (kv[1].order, kv[0])):
                latest.setdefault(key, spec)
    keys = list(latest)
    weights = np.zeros((len(segments), len(keys)))
    for j, seg in enumerate(segments):
        if seg.version is not None:
            for k, key in enumerate(keys):
                spec = seg.version.criteria.get(key)
                if spec is not None:
                    weights[j, k] = spec.weight
    touch_points: dict[str, str] = {}
    for spec in latest.values():
        touch_points.setdefault(spec.touch_point, spec.touch_point_name)
    tp_keys = list(touch_points)
    tp_of = np.zeros((len(keys), len(tp_keys)))
    for k, spec in enumerate(latest.values()):
        tp_of[k, tp_keys.index(spec.touch_point)] = 1.0
    return Layout(segments=segments, current=[j for j, s in enumerate(segments) if s.start >= date_from],
                  keys=keys, prompts=[latest[k].prompt or k for k in keys],
                  key_touch_point=[latest[k].touch_point for k in keys], weights=weights,
                  touch_points=tp_keys, touch_point_names=[touch_points[t] for t in tp_keys], tp_of=tp_of)


def _checked_today(sites: QuerySet[Site], site_list: list[SiteRow], date_to: dt.date, *,
                   now: dt.datetime) -> set[tuple[int, dt.date]]:
    """(site, day) for the sites whose local today, inside the period, already has its check. A day that is not
    over yet is expected only once its check is in (as the missed days count it): before that the manager
    still has time, and counting it as a day on which nothing passed would lower every score each morning.
    No query when the period ends before any site's today."""
    todays = {now.astimezone(zoneinfo.ZoneInfo(z)).date() for z in {s.timezone for s in site_list}}
    todays = {d for d in todays if d <= date_to}
    if not todays:
        return set()
    return set(DailyCheck.objects.filter(site__in=sites, date__in=todays, is_current=True)
               .values_list("site_id", "date"))


def _fill_days(grid: Grid, layout: Layout, site_list: list[SiteRow], site_rows: list[tuple],
               index: dict[int, int], *, now: dt.datetime, checked_today: set[tuple[int, dt.date]]) -> None:
    """Days expected per site and segment, and the current period's checked days and late checks."""
    columns = [(j, j in layout.current) for j in range(len(layout.segments))]
    checked = np.zeros((len(site_list), len(layout.segments)), dtype=np.int64)
    for row in site_rows:
        i, c = index.get(row[0]), 1
        if i is None:  # joined the scope after the sites query: not in the answer
            continue
        for j, is_current in columns:
            checked[i, j] = row[c]
            if is_current:
                grid.late[i] += row[c + 1]
                c += 2
            else:
                c += 1
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for i, site in enumerate(site_list):
        if not site.active:  # an inactive site is expected only on the days it checked
            grid.days[i] = checked[i]
            continue
        tz = zones.get(site.timezone) or zones.setdefault(site.timezone, zoneinfo.ZoneInfo(site.timezone))
        today = now.astimezone(tz).date()
        last = today if (site.pk, today) in checked_today else today - dt.timedelta(days=1)
        for j, seg in enumerate(layout.segments):
            if seg.version is not None:
                start, end = max(seg.start, site.opened_on), min(seg.end, last)
                grid.days[i, j] = max((end - start).days + 1, 0)
    for j, seg in enumerate(layout.segments):
        if seg.version is None:
            grid.days[:, j] = 0
    grid.checked = checked[:, layout.current].sum(axis=1)


def _fill_totals(grid: Grid, layout: Layout, rows: list[tuple], site_ids: np.ndarray) -> None:
    """Scatter the database's per (site, key) totals into the sites x keys arrays (column-wise, in C)."""
    if not rows:
        return
    table = np.array(rows, dtype=object)  # one C pass over the fetched tuples
    order = np.argsort(site_ids)
    ids = table[:, 0].astype(np.int64)
    pos = np.minimum(np.searchsorted(site_ids[order], ids), len(order) - 1)
    si = order[pos]
    key_index = {k: i for i, k in enumerate(layout.keys)}
    ki = np.fromiter(map(key_index.get, table[:, 1], repeat(-1)), dtype=np.int64, count=len(rows))
    # Drop a key no version of these periods has (not expected, not shown) and a site that joined the
    # scope between the sites query and this one (it is not in the answer).
    keep = (ki >= 0) & (site_ids[si] == ids)
    si, ki = si[keep], ki[keep]

    def col(c: int) -> np.ndarray:
        return table[keep, c].astype(float)

    c, w = 2, layout.weights
    for j in range(len(layout.segments)):
        if j in layout.current:
            p = col(c + 1)
            grid.observations[si, ki] += col(c).astype(np.int64)
            grid.passed[si, ki] += p.astype(np.int64)
            grid.weighted_passed[si, ki] += w[j, ki] * p
            grid.deviation[si, ki] += col(c + 2)
            grid.deviation_sq[si, ki] += col(c + 3)
            c += 4
        else:
            p = col(c)
            grid.prev_passed[si, ki] += p.astype(np.int64)
            grid.prev_weighted_passed[si, ki] += w[j, ki] * p
            c += 1
