"""The variance engine: every site against the standard and against the rest of the network.

Reads (a fixed number of queries, whatever the number of sites, days or criteria):
 1. every released version's criteria (timeline.py), 2. the sites in scope,
 3. per site, the running totals at the period's boundaries (totals.py: the summary rows of those days,
    subtracted by numpy); 4. per site, the period's verified photos and their trust flags (photos.py, also
    two running totals per site); 5. when the period reaches a site's local today, which sites have
    today's check in.

Expected observations: for an active site, each local day of the period on or after ``opened_on`` and
up to the site's local yesterday (today too once its check is in: the day is not over) on which a version
is in force, times the criteria of that day's version
(a key the day's version does not have is not expected that day). A day with no check adds expected
observations and no pass. An inactive site is expected only on the days it did check. A criterion marked not
applicable at a site (``services.applicability``) is not expected of it on the days the mark covers (one more
query: the marks of the sites in scope; the running totals already leave its results out).
The period is split into segments where the version changes, so every pass is weighted by the weight
its criterion had on that day. The trend compares with the previous period of the same length.

The arithmetic runs on sites x criteria arrays (grid.py); assemble.py turns them into the answer.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection, Sequence
from typing import NamedTuple

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from backend.routers import replica_reads
from sites.models import Site

from ..models import DailyCheck
from ..services import applicability
from . import totals
from .assemble import assemble
from .grid import Grid, Layout, compute
from .photos import photo_counts
from .timeline import Segment, Timeline, WeightedCriterion
from .types import NotApplicableSpan, VarianceReport, previous_period

DETAILS = ("criteria", "touch_points")


NO_DEPARTMENT = "No department"  # the department row of touch points that belong to none


@replica_reads()  # the heaviest read of the API and the pages: the replica when there is one (backend/routers.py)
def variance_report(*, date_from: dt.date, date_to: dt.date, sites: QuerySet[Site],
                    detail: str = "criteria", criteria_for: Collection[str] = (),
                    departments: bool = False) -> VarianceReport:
    """The answer for ``sites`` over [date_from, date_to].

    ``detail``: "criteria" (the default, what the API and the PDF show): every site with its touch points and
    its criteria. "touch_points": the same answer without the per-site criterion lists (``criteria`` is []
    for every site; everything else, criterion spreads included, is identical): what a network overview
    shows. At 5,000 sites the lists are 200,000 objects, most of the time spent building the answer.
    ``criteria_for``: with "touch_points", the site codes that keep their criterion lists (a site's page: the
    site in depth, beside the network it is compared with).
    ``departments``: also group the criteria by department (each site's ``departments`` and the report's
    ``department_spread``), computed as the touch point rows are (``grid.groups``).
    """
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)}")
    if criteria_for and detail != "touch_points":
        raise ValueError('criteria_for goes with detail="touch_points" (the full answer has every site\'s)')
    timeline = Timeline.load()
    segments = timeline.segments(previous_period(date_from, date_to)[0], date_to, cuts=(date_from,))
    layout = criteria_layout(segments, date_from, departments=departments)
    site_list = [SiteRow(*row) for row in sites.order_by("code").values_list(
        "pk", "code", "name", "region__code", "timezone", "active", "opened_on")]
    versions = sorted({segments[j].version.number for j in layout.current if segments[j].version is not None})
    if not site_list:
        return assemble(layout, site_list, None, date_from=date_from, date_to=date_to, versions=versions,
                        detail=detail)

    found = totals.period_totals(sites=sites, segments=segments, site_ids=[site.pk for site in site_list],
                                 keys=layout.keys)
    marks = applicability.marks_in(sites=sites, first=segments[0].start, last=date_to)
    grid = Grid.empty(len(site_list), layout)
    now = timezone.now()  # one instant for "today" in every time zone, here and in _fill_days
    _fill_days(grid, layout, site_list, found, now=now,
               checked_today=_checked_today(sites, site_list, date_to, now=now), marks=marks)
    _fill_totals(grid, layout, found)
    compute(grid, layout)
    return assemble(layout, site_list, grid, date_from=date_from, date_to=date_to, versions=versions,
                    photos=photo_counts(sites=sites, date_from=date_from, date_to=date_to), detail=detail,
                    criteria_for=frozenset(criteria_for),
                    not_applicable=_marks_shown(layout, site_list, marks, date_from, date_to))


class SiteRow(NamedTuple):
    pk: int
    code: str
    name: str
    region: str
    timezone: str
    active: bool
    opened_on: dt.date


def criteria_layout(segments: list[Segment], date_from: dt.date, *, departments: bool = False) -> Layout:
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
    layout = Layout(segments=segments, current=[j for j, s in enumerate(segments) if s.start >= date_from],
                    keys=keys, prompts=[latest[k].prompt or k for k in keys],
                    key_touch_point=[latest[k].touch_point for k in keys], weights=weights,
                    touch_points=tp_keys, touch_point_names=[touch_points[t] for t in tp_keys], tp_of=tp_of)
    if departments:
        # The latest version's department of each key, in the departments' order (no department last).
        named = {spec.department: (spec.department_order, spec.department_name) for spec in latest.values()
                 if spec.department is not None}
        dep_keys: list[str | None] = sorted(named, key=lambda d: (named[d][0], d))
        if any(spec.department is None for spec in latest.values()):
            dep_keys.append(None)
        layout.departments = dep_keys
        layout.department_names = [named[d][1] if d is not None else NO_DEPARTMENT for d in dep_keys]
        layout.department_of = np.zeros((len(keys), len(dep_keys)))
        for k, spec in enumerate(latest.values()):
            layout.department_of[k, dep_keys.index(spec.department)] = 1.0
    return layout


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
    # The site's own check: a department's check (accounting's) adds results, but the day is the manager's.
    return set(DailyCheck.objects.filter(site__in=sites, date__in=todays, is_current=True, department__isnull=True)
               .values_list("site_id", "date"))


def _fill_days(grid: Grid, layout: Layout, site_list: list[SiteRow], found: totals.Totals, *, now: dt.datetime,
               checked_today: set[tuple[int, dt.date]], marks: Sequence = ()) -> None:
    """Days expected per site and segment, and the current period's checked days and late checks; with
    ``marks`` (``applicability.marks_in``), the expected days of each site and key that a mark takes away."""
    checked = found.checked
    grid.late = found.late[:, layout.current].sum(axis=1)
    # Per site (one column per segment): the days of the segment from the site's opening to its last day
    # expected (its local yesterday, or today once today's check is in), in whole-network arrays.
    todays = {z: now.astimezone(zoneinfo.ZoneInfo(z)).date() for z in {site.timezone for site in site_list}}
    last = np.array([todays[site.timezone].toordinal() - ((site.pk, todays[site.timezone]) not in checked_today)
                     for site in site_list], dtype=np.int64)
    opened = np.array([site.opened_on.toordinal() for site in site_list], dtype=np.int64)
    for j, seg in enumerate(layout.segments):
        if seg.version is not None:
            start, end = np.maximum(seg.start.toordinal(), opened), np.minimum(seg.end.toordinal(), last)
            grid.days[:, j] = np.maximum(end - start + 1, 0)
    inactive = np.array([not site.active for site in site_list], dtype=bool)
    grid.days[inactive] = checked[inactive]  # an inactive site is expected only on the days it checked
    for j, seg in enumerate(layout.segments):
        if seg.version is None:
            grid.days[:, j] = 0
    grid.checked = checked[:, layout.current].sum(axis=1)
    if marks:
        _fill_not_applicable(grid, layout, site_list, marks, last=last, opened=opened)


def _fill_not_applicable(grid: Grid, layout: Layout, site_list: list[SiteRow], marks: Sequence, *,
                         last: np.ndarray, opened: np.ndarray) -> None:
    """grid.not_applicable (segments, sites, keys): the days of each segment that a site is expected (as
    _fill_days counts them) and that a mark of the key covers. Marks of one site and key never share a day."""
    index = {site.pk: i for i, site in enumerate(site_list)}
    column = {key: k for k, key in enumerate(layout.keys)}
    na = np.zeros((len(layout.segments), len(site_list), len(layout.keys)), dtype=np.int64)
    for m in marks:
        s, k = index.get(m.site_id), column.get(m.criterion_key)
        if s is None or k is None:  # a site that joined the scope after the list; a key of no version here
            continue
        for j, seg in enumerate(layout.segments):
            if seg.version is None or grid.days[s, j] == 0:
                continue
            if m.checked is not None:  # an inactive site: expected on the days it checked only
                na[j, s, k] = sum(1 for d in m.checked if seg.start <= d <= seg.end)
                continue
            first = max(seg.start, dt.date.fromordinal(int(opened[s])))
            span = applicability.days_covered(m.starts_on, m.ends_on, first,
                                              min(seg.end, dt.date.fromordinal(int(last[s]))))
            if span is not None:
                na[j, s, k] = (span[1] - span[0]).days + 1
    grid.not_applicable = na


def _marks_shown(layout: Layout, site_list: list[SiteRow], marks: Sequence, date_from: dt.date,
                 date_to: dt.date) -> dict[int, list[NotApplicableSpan]]:
    """Per site (index in the answer), the marks that cover some day of the period, as the answer lists them."""
    index = {site.pk: i for i, site in enumerate(site_list)}
    prompts = dict(zip(layout.keys, layout.prompts, strict=True))
    out: dict[int, list[NotApplicableSpan]] = {}
    for m in marks:
        s = index.get(m.site_id)
        if s is not None and applicability.days_covered(m.starts_on, m.ends_on, date_from, date_to) is not None:
            out.setdefault(s, []).append(NotApplicableSpan(m.criterion_key, prompts.get(m.criterion_key, m.criterion_key),
                                                           m.starts_on, m.ends_on, m.reason))
    return out


def _fill_totals(grid: Grid, layout: Layout, found: totals.Totals) -> None:
    """The sites x keys arrays of the period (its segments added up) and of the previous period (passes
    only), each pass weighted by its criterion's weight in the segment's version."""
    w = layout.weights
    for j in range(len(layout.segments)):
        observations, passed, deviation, deviation_sq = found.criteria[j]
        if j in layout.current:
            grid.observations += observations.astype(np.int64)
            grid.passed += passed.astype(np.int64)
            grid.weighted_passed += w[j] * passed
            grid.deviation += deviation
            grid.deviation_sq += deviation_sq
        else:
            grid.prev_passed += passed.astype(np.int64)
            grid.prev_weighted_passed += w[j] * passed
