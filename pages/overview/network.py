"""What /app/ shows of the network, gathered from the engine and the API's selectors (the same calls as
GET /api/v1/variance/ and GET /api/v1/actions/?status=overdue), for one period and scope.

The network's trend. The engine answers every site's previous score, but not the network's: the network score
is pooled (all sites' weighted passes over all their weighted expected observations), and a site's previous
score carries no weight, so no average of them is the network's previous score (a site expected 10 days would
count as much as one expected 90). So the previous period of the same length (the engine's own definition:
the ``days`` days before ``date_from``) is asked of the engine as a question of its own: its network score and
consistency index are what the API answers for that period and scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from consistency.models import CorrectiveAction
from consistency.selectors.actions import action_list
from consistency.variance import SiteVariance, Spread, VarianceReport, variance_report
from consistency.variance.scope import variance_sites
from customer.perception import SiteGap, perception_gap
from sites import access
from sites.models import Region

from ..period import Period

SPREAD_SHOWN = 5      # criteria with the most spread between sites
LIST_SHOWN = 8        # sites listed for missed days and photo flags, overdue actions listed


@dataclass
class NetworkTrend:
    """The previous period's network figures, and the change to the current ones (None: nothing expected
    of the network then, so nothing to compare with)."""

    date_from: dt.date
    date_to: dt.date
    score: float | None
    consistency_index: float | None
    score_change: float | None
    index_change: float | None


@dataclass
class NetworkOverview:
    report: VarianceReport
    trend: NetworkTrend
    overdue_count: int
    overdue: list[CorrectiveAction]
    region_names: dict[str, str]
    spread: list[Spread] = field(default_factory=list)          # most spread first
    below: list[SiteVariance] = field(default_factory=list)     # flagged below the network, worst first
    missed: list[SiteVariance] = field(default_factory=list)    # most missed days first
    photo_flags: list[SiteVariance] = field(default_factory=list)  # most flagged photos first
    gaps: dict[str, SiteGap] = field(default_factory=dict)      # the perception gap's sites, by code


def network_trend(*, report: VarianceReport) -> NetworkTrend:
    """The network score and consistency index of the previous period, as the engine gives them (from the same
    read as the period's own), and the change to the current ones."""
    prev_from, prev_to = report.previous_period
    score, index = report.previous_network_score, report.previous_consistency_index
    current = any(s.score is not None for s in report.sites)
    return NetworkTrend(
        prev_from, prev_to, score, index,
        score_change=report.network_score - score if score is not None and current else None,
        index_change=report.consistency_index - index if index is not None and current else None)


def region_choices(user) -> list[tuple[str, str]]:
    """The regions with a site the user may read, by code: the region filter's choices."""
    return list(Region.objects.filter(sites__in=access.readable_sites(user)).distinct()
                .order_by("code").values_list("code", "name"))


def network_overview(*, user, period: Period, region: str | None, region_names: dict[str, str]) -> NetworkOverview:
    """Everything /app/ shows for ``period`` over the user's sites (narrowed to ``region``): the variance
    API's answer, the network's trend, and the overdue corrective actions. A region outside the user's
    scope is the API's 400 (AppError naming ``region``)."""
    sites = variance_sites(user=user, region=region)
    # The page shows sites x touch points: the per-site criterion lists (40 per site) are not built.
    report = variance_report(date_from=period.date_from, date_to=period.date_to, sites=sites, detail="touch_points")
    trend = network_trend(report=report)
    overdue = action_list(user=user, status="overdue", region=region)
    # The league table's gap column: one engine call for the whole scope (a constant number of queries),
    # the same answer as GET /api/v1/perception-gap/ for this period and region.
    gap = perception_gap(sites=sites, date_from=period.date_from, date_to=period.date_to, region=region)
    scored = [s for s in report.sites if s.score is not None]
    return NetworkOverview(
        report=report, trend=trend, overdue_count=overdue.count(), overdue=list(overdue[:LIST_SHOWN]),
        region_names=region_names,
        spread=sorted(report.criterion_spread, key=lambda s: -s.stddev)[:SPREAD_SHOWN],
        below=sorted((s for s in scored if s.flagged), key=lambda s: (s.score, s.code)),
        missed=sorted((s for s in report.sites if s.missed_days), key=lambda s: (-s.missed_days, s.code))[:LIST_SHOWN],
        photo_flags=sorted((s for s in report.sites if s.photos.suspect),
                           key=lambda s: (-s.photos.suspect, s.code))[:LIST_SHOWN],
        gaps={s.code: s for s in gap.sites},
    )
