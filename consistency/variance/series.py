"""Weekly scores of a set of sites: each week's score is the one ``variance_report`` gives for that week.

Not a second copy of the score's rule: the weeks are cuts of one timeline (timeline.py), read with the
engine's own totals (totals.py: running totals at every segment boundary, one query for all weeks), filled
and computed by the engine's own pieces (engine._fill_days, engine._fill_totals, grid.compute) one week at a
time. So the rule (weighted passes over expected days, missed days, versions changing weights, time zones,
opened_on, a today that is not over) is the engine's, and tests/consistency/test_variance_series.py proves
for random data that every week equals ``variance_report(date_from=week.start, date_to=week.end)``.

Queries, whatever the number of weeks, sites or checks: the timeline, the sites, the totals, the marks of
criteria not applicable at the sites (services.applicability) and, when the last week reaches a site's today,
the sites whose today's check is in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from sites.models import Site

from ..services import applicability
from . import totals
from .engine import SiteRow, _checked_today, _fill_days, _fill_totals, criteria_layout
from .grid import Grid, compute
from .timeline import Timeline

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Week:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class WeekScore:
    score: float | None        # None when nothing was expected of the site that week (as variance_report)
    low: float                 # Wilson 95% interval, as the engine gives it
    high: float
    expected: int              # expected observations behind it (the interval's n)


@dataclass
class Series:
    weeks: list[Week]
    sites: dict[str, list[WeekScore]]   # site code -> one score per week, in the weeks' order
    medians: list[float | None]         # per week, the median of the scores of the sites that had one


def weeks_of(date_from: dt.date, date_to: dt.date) -> list[Week]:
    """Calendar weeks (Monday to Sunday) covering the period, the first and last cut to it."""
    weeks, start = [], date_from
    while start <= date_to:
        end = min(start + dt.timedelta(days=6 - start.weekday()), date_to)
        weeks.append(Week(start, end))
        start = end + ONE_DAY
    return weeks


def weekly_scores(*, weeks: list[Week], sites: QuerySet[Site]) -> Series:
    """Every site's score for each of ``weeks`` (consecutive, in order), and the median per week."""
    if not weeks:
        return Series(weeks=[], sites={}, medians=[])
    if any(b.start != a.end + ONE_DAY for a, b in zip(weeks, weeks[1:], strict=False)):
        raise ValueError("weeks must follow each other without a gap")
    timeline = Timeline.load()
    segments = timeline.segments(weeks[0].start, weeks[-1].end, cuts=tuple(w.start for w in weeks))
    layout = criteria_layout(segments, weeks[0].start)  # every segment is "current": no previous period here
    site_list = [SiteRow(*row) for row in sites.order_by("code").values_list(
        "pk", "code", "name", "region__code", "timezone", "active", "opened_on")]
    if not site_list:
        return Series(weeks=weeks, sites={}, medians=[None] * len(weeks))
    found = totals.period_totals(sites=sites, segments=segments, site_ids=[site.pk for site in site_list],
                                 keys=layout.keys)
    now = timezone.now()
    checked_today = _checked_today(sites, site_list, weeks[-1].end, now=now)
    marks = applicability.marks_in(sites=sites, first=weeks[0].start, last=weeks[-1].end)

    scores: list[list[WeekScore]] = [[] for _ in site_list]
    first = 0
    for week in weeks:
        last = first
        while last < len(segments) and segments[last].end <= week.end:
            last += 1
        # This week's segments [first, last) as if they were a period of their own: the totals are per
        # segment, so a week is a slice of them along the segment axis.
        week_layout = dataclasses.replace(layout, segments=segments[first:last], current=list(range(last - first)),
                                          weights=layout.weights[first:last])
        week_found = totals.Totals(found.checked[:, first:last], found.late[:, first:last],
                                   found.criteria[first:last])
        grid = Grid.empty(len(site_list), week_layout)
        _fill_days(grid, week_layout, site_list, week_found, now=now, checked_today=checked_today, marks=marks)
        _fill_totals(grid, week_layout, week_found)
        compute(grid, week_layout)
        for i, row in enumerate(zip(grid.score.tolist(), grid.score_low.tolist(), grid.score_high.tolist(),
                                    grid.site_wexpected.tolist(), grid.site_n.tolist(), strict=True)):
            score, low, high, wexpected, n = row
            scores[i].append(WeekScore(score if wexpected else None, low, high, int(n)))
        first = last
    medians = []
    for w in range(len(weeks)):
        week_scores = [s[w].score for s in scores if s[w].score is not None]
        medians.append(statistics.median(week_scores) if week_scores else None)
    return Series(weeks=weeks, sites={site.code: scores[i] for i, site in enumerate(site_list)}, medians=medians)
