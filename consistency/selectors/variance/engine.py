"""The variance engine: every site against the standard and against the rest of the network.

Reads (a fixed number of queries, whatever the number of sites, days or criteria):
 1. the sites in scope, 2. every released version's criteria (timeline.py),
 3. per site and criterion key, and 4. per site, the running totals at the period's boundaries
    (totals.py), computed by the database as differences of the summary rows.

Expected observations: for an active site, each local day of the period on or after ``opened_on`` and
up to the site's local today on which a version is in force, times the criteria of that day's version
(a key the day's version does not have is not expected that day). A day with no check adds expected
observations and no pass. An inactive site is expected only on the days it did check.
The period is split into segments where the version changes, so every pass is weighted by the weight
its criterion had on that day. The trend compares with the previous period of the same length.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

from django.db.models import QuerySet
from django.utils import timezone

from sites.models import Site

from . import stats, totals
from .timeline import CriterionSpec, Segment, Timeline
from .types import CriterionVariance, Rate, SiteVariance, Spread, TouchPointVariance, VarianceReport

REPORT_DRIVERS = 5   # sites named as the network's spread drivers
SPREAD_DRIVERS = 3   # sites named per criterion / touch point


def variance_report(*, date_from: dt.date, date_to: dt.date, sites: QuerySet[Site]) -> VarianceReport:
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    timeline = Timeline.load()
    length = date_to - date_from + dt.timedelta(days=1)
    segments = timeline.segments(date_from - length, date_to, cuts=(date_from,))
    current = [j for j, s in enumerate(segments) if s.start >= date_from]
    plan = _plan(segments, current)

    site_list = list(sites.select_related("region").order_by("code"))
    criterion_rows: dict[int, dict[str, tuple]] = {}
    for row in totals.criterion_totals(sites=sites, segments=segments):
        criterion_rows.setdefault(row[0], {})[row[1]] = row
    site_rows = {row[0]: row for row in totals.site_totals(sites=sites, segments=segments)}

    builder = _Builder(segments, current, plan)
    now = timezone.now()
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for site in site_list:
        tz = zones.get(site.timezone) or zones.setdefault(site.timezone, zoneinfo.ZoneInfo(site.timezone))
        builder.add_site(site, today=now.astimezone(tz).date(), site_row=site_rows.get(site.pk),
                         rows=criterion_rows.get(site.pk, {}))
    versions = sorted({segments[j].version.number for j in current if segments[j].version is not None})
    return builder.finish(date_from=date_from, date_to=date_to, versions=versions)


def _plan(segments: list[Segment], current: list[int]) -> list[tuple]:
    """Per criterion key, in the standard's order: its latest spec and the segments (index, weight)
    of the current and of the previous period in which the day's version has it."""
    # The latest version's criteria in its order, then criteria only older versions had.
    latest: dict[str, CriterionSpec] = {}
    for seg in reversed(segments):
        if seg.version is not None:
            for key, spec in sorted(seg.version.criteria.items(), key=lambda kv: (kv[1].order, kv[0])):
                latest.setdefault(key, spec)
    cur = set(current)
    plan = []
    for key, spec in latest.items():
        in_cur = [(j, s.version.criteria[key].weight) for j, s in enumerate(segments)
                  if j in cur and s.version is not None and key in s.version.criteria]
        in_prev = [(j, s.version.criteria[key].weight) for j, s in enumerate(segments)
                   if j not in cur and s.version is not None and key in s.version.criteria]
        plan.append((key, spec, in_cur, in_prev))
    return plan


def _rate(passed: float, expected: float, n: float) -> Rate:
    rate = min(passed / expected, 1.0) if expected else 0.0
    low, high = stats.wilson(rate, n)
    return Rate(passed=passed, expected=expected, rate=rate, low=low, high=high)


def _ratio(a: float, b: float) -> float | None:
    return min(a / b, 1.0) if b else None


def _trend(rate: Rate, previous: float | None) -> float | None:
    return None if previous is None or not rate.expected else rate.rate - previous


class _Spread:
    """Per-site rates of one criterion or touch point, for its spread across the network."""

    __slots__ = ("key", "name", "passed", "expected", "entries")

    def __init__(self, key: str, name: str):
        self.key, self.name = key, name
        self.passed = self.expected = 0.0
        # (site code, rate, weight = weighted expected, the site's variance object, unweighted n)
        self.entries: list[tuple[str, float, float, object, float]] = []

    def add(self, code: str, rate: Rate, obj, n: float) -> None:
        self.passed += rate.passed
        self.expected += rate.expected
        self.entries.append((code, rate.rate, rate.expected, obj, n))

    def network_rate(self) -> float:
        return min(self.passed / self.expected, 1.0) if self.expected else 0.0

    def spread(self, contributions: dict[str, float] | None) -> Spread:
        r = self.network_rate()
        total = self.expected
        shares = [(code, w * (rate - r) ** 2 / total) for code, rate, w, _, _ in self.entries] if total else []
        sigma = math.sqrt(sum(s for _, s in shares)) if shares else 0.0
        if contributions is not None:
            for code, share in shares:
                contributions[code] = contributions.get(code, 0.0) + share
        rates = [e[1] for e in self.entries]
        drivers = [code for code, share in sorted(shares, key=lambda cs: (-cs[1], cs[0]))[:SPREAD_DRIVERS] if share > 0]
        return Spread(key=self.key, name=self.name, network_rate=r, stddev=sigma,
                      min_rate=min(rates) if rates else 0.0, max_rate=max(rates) if rates else 0.0,
                      drivers=drivers)


class _Builder:
    def __init__(self, segments: list[Segment], current: list[int], plan: list[tuple]):
        self.segments, self.current, self.plan = segments, current, plan
        self.previous = [j for j in range(len(segments)) if j not in set(current)]
        self.sites: list[SiteVariance] = []
        self.site_rates: list[tuple[SiteVariance, float]] = []  # (site, Wilson n)
        self.criteria: dict[str, _Spread] = {}
        self.touch_points: dict[str, _Spread] = {}
        self.net = [0.0, 0.0, 0.0]  # weighted passed, weighted expected, expected

    def _days(self, site: Site, today: dt.date, site_row: tuple | None) -> list[int]:
        days = []
        for j, seg in enumerate(self.segments):
            if seg.version is None:
                days.append(0)
            elif site.active:
                start, end = max(seg.start, site.opened_on), min(seg.end, today)
                days.append(max((end - start).days + 1, 0))
            else:  # an inactive site is expected only on the days it checked
                days.append(site_row[1 + 2 * j] if site_row else 0)
        return days

    def add_site(self, site: Site, *, today: dt.date, site_row: tuple | None, rows: dict[str, tuple]) -> None:
        days = self._days(site, today, site_row)
        criteria: list[CriterionVariance] = []
        tps: dict[str, list] = {}
        s_wp = s_wexp = s_exp = p_wp = p_wexp = 0.0
        for key, spec, in_cur, in_prev in self.plan:
            row = rows.get(key)
            exp = wexp = passed = wpassed = obs = dev = dev2 = 0
            for j, w in in_cur:
                d = days[j]
                exp += d
                wexp += w * d
                if row is not None:
                    b = 2 + 4 * j
                    pj = row[b + 1]
                    obs += row[b]
                    passed += pj
                    wpassed += w * pj
                    dev += row[b + 2]
                    dev2 += row[b + 3]
            if not exp and not obs:
                continue
            pexp = pwexp = ppassed = pwpassed = 0
            for j, w in in_prev:
                d = days[j]
                pexp += d
                pwexp += w * d
                if row is not None:
                    pj = row[2 + 4 * j + 1]
                    ppassed += pj
                    pwpassed += w * pj
            rate = _rate(passed, exp, exp)
            previous = _ratio(ppassed, pexp)
            mean = dev / obs if obs else None
            sd = math.sqrt(max(dev2 / obs - mean * mean, 0.0)) if obs else None
            cv = CriterionVariance(key=key, touch_point=spec.touch_point, pass_rate=rate, mean_deviation=mean,
                                   observations=obs, previous_rate=previous, trend=_trend(rate, previous),
                                   deviation_stddev=sd)
            criteria.append(cv)
            spread = self.criteria.get(key) or self.criteria.setdefault(key, _Spread(key, key))
            spread.add(site.code, rate, cv, exp)
            t = tps.get(spec.touch_point)
            if t is None:
                t = tps[spec.touch_point] = [spec.touch_point_name, 0.0, 0.0, 0, 0, 0.0, 0.0, 0.0]
            t[1] += wpassed
            t[2] += wexp
            t[3] += exp
            t[4] += obs
            t[5] += dev
            t[6] += pwpassed
            t[7] += pwexp
            s_wp += wpassed
            s_wexp += wexp
            s_exp += exp
            p_wp += pwpassed
            p_wexp += pwexp

        touch_points = []
        for tp_key, (name, wp, wexp, exp, obs, dev, pwp, pwexp) in tps.items():
            rate = _rate(wp, wexp, exp)
            previous = _ratio(pwp, pwexp)
            tv = TouchPointVariance(key=tp_key, name=name, pass_rate=rate, mean_deviation=dev / obs if obs else None,
                                    observations=obs, previous_rate=previous, trend=_trend(rate, previous))
            touch_points.append(tv)
            spread = self.touch_points.get(tp_key) or self.touch_points.setdefault(tp_key, _Spread(tp_key, name))
            spread.add(site.code, rate, tv, exp)

        expected_days = sum(days[j] for j in self.current)
        checked = sum(site_row[1 + 2 * j] for j in self.current) if site_row else 0
        late = sum(site_row[2 + 2 * j] for j in self.current) if site_row else 0
        score = _rate(s_wp, s_wexp, s_exp)
        previous_score = _ratio(p_wp, p_wexp)
        sv = SiteVariance(
            code=site.code, name=site.name, region=site.region.code, score=score.rate,
            score_interval=(score.low, score.high), previous_score=previous_score,
            trend=_trend(score, previous_score), expected_days=expected_days, checked_days=checked,
            missed_days=max(expected_days - checked, 0), late_checks=late, flagged=False,
            touch_points=touch_points, criteria=criteria,
        )
        self.sites.append(sv)
        self.site_rates.append((sv, s_exp))
        self.net[0] += s_wp
        self.net[1] += s_wexp
        self.net[2] += s_exp

    def finish(self, *, date_from: dt.date, date_to: dt.date, versions: list[int]) -> VarianceReport:
        contributions: dict[str, float] = {}
        criterion_spread = [s.spread(contributions) for s in self.criteria.values()]
        touch_point_spread = [s.spread(None) for s in self.touch_points.values()]
        for group in (*self.criteria.values(), *self.touch_points.values()):
            r = group.network_rate()
            for _, _, _, obj, n in group.entries:
                obj.flagged = stats.flagged(low=obj.pass_rate.low, high=obj.pass_rate.high, network_rate=r, n=n)
        net_wp, net_wexp, net_exp = self.net
        network = _rate(net_wp, net_wexp, net_exp)
        for sv, n in self.site_rates:
            low, high = sv.score_interval
            sv.flagged = stats.flagged(low=low, high=high, network_rate=network.rate, n=n)
        drivers = [code for code, share in sorted(contributions.items(), key=lambda cs: (-cs[1], cs[0]))
                   if share > 0][:REPORT_DRIVERS]
        return VarianceReport(
            date_from=date_from, date_to=date_to, versions=versions, network_score=network.rate,
            network_score_interval=(network.low, network.high),
            consistency_index=stats.consistency_index([s.stddev for s in criterion_spread]),
            sites=self.sites, touch_point_spread=touch_point_spread, criterion_spread=criterion_spread,
            drivers=drivers,
        )
