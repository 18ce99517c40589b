"""What the variance engine answers. The API serializes it; the PDF variance report renders it.

Rates are shares 0..1; every rate carries its Wilson 95% interval (low, high). ``expected`` counts the
site-days x criteria a site should have reported in the period; a missed day counts as expected with
nothing passed (PRODUCT.md: not reporting is the worst result). Touch point rates and site scores are
weighted by criterion weight (``Rate.passed``/``Rate.expected`` are then weighted sums); criterion
rates are plain counts. Formulas: consistency/variance/stats.py.
slots: a 1,000-site report builds 40,000 criterion rows; slotted dataclasses build in half the time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same length that ends the day before ``date_from``: what every trend compares with."""
    length = date_to - date_from + dt.timedelta(days=1)
    return date_from - length, date_from - dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Rate:
    passed: float          # weighted or plain count of passes (see the field using it)
    expected: float        # denominator: expected observations (missed days included)
    rate: float            # passed / expected, 0 when nothing was expected
    low: float             # Wilson 95% lower bound
    high: float            # Wilson 95% upper bound


@dataclass(slots=True)
class CriterionVariance:
    key: str
    prompt: str                    # what a person reads (the key is the API's name for the criterion)
    touch_point: str
    pass_rate: Rate
    mean_deviation: float | None   # over observed results only; None when nothing observed
    observations: int              # results actually received
    previous_rate: float | None    # the previous period of the same length
    trend: float | None            # pass_rate.rate - previous_rate
    deviation_stddev: float | None = None  # population stddev of the observed deviations
    flagged: bool = False          # needs attention: flag == "below"
    flag: str | None = None        # "below" / "above": the network rate is above / below pass_rate's
                                   # interval, on enough observations (stats.py); None: in line, or too few
    not_applicable: bool = False   # marked not applicable at the site for every day it was expected in the
                                   # period: nothing expected, nothing observed ("n/a", not a rate)


@dataclass(slots=True)
class TouchPointVariance:
    """A row of a group of criteria: a touch point, or (grouped by department) a department."""

    key: str | None                # None: the department row of touch points that belong to no department
    name: str
    pass_rate: Rate
    mean_deviation: float | None
    observations: int
    previous_rate: float | None
    trend: float | None
    flagged: bool = False          # needs attention: flag == "below"
    flag: str | None = None        # "below" / "above" the network, as for a criterion


@dataclass(frozen=True, slots=True)
class PhotoCounts:
    """A site's verified photos of the period's days, and how many carry each trust flag (photos.py)."""

    verified: int = 0
    reused: int = 0                # the same bytes or look as a photo of another day or site
    stale: int = 0                 # captured far from the day it stands for
    suspect: int = 0               # either flag (a photo may carry both)


@dataclass(frozen=True, slots=True)
class NotApplicableSpan:
    """A criterion marked not applicable at a site (services.applicability) on some day of the period."""

    criterion: str                 # the criterion's key
    prompt: str                    # what a person reads for it
    starts_on: dt.date
    ends_on: dt.date | None        # None: until further notice
    reason: str


@dataclass(slots=True)
class SiteVariance:
    code: str
    name: str
    region: str
    score: float | None            # weighted share of passed criteria over expected days, 0..1; None when
                                   # nothing was expected (opened after the period, or closed and silent)
    score_interval: tuple[float, float]
    previous_score: float | None
    trend: float | None
    expected_days: int
    checked_days: int
    missed_days: int
    late_checks: int
    flagged: bool                  # needs attention: below the network (flag == "below")
    flag: str | None = None        # "below" / "above" the network with enough observations to say so; None
                                   # when in line with it or on too few observations
    touch_points: list[TouchPointVariance] = field(default_factory=list)
    criteria: list[CriterionVariance] = field(default_factory=list)
    photos: PhotoCounts = PhotoCounts()  # shown beside the score; they do not change it
    # Grouped by department (asked for: variance_report(departments=True)): a row per department its touch
    # points belong to (key None: touch points of no department), computed as the touch point rows are.
    departments: list[TouchPointVariance] = field(default_factory=list)
    # The criteria marked not applicable at the site on some day of the period: not expected on those days.
    not_applicable: list[NotApplicableSpan] = field(default_factory=list)


@dataclass(slots=True)
class Spread:
    key: str                       # criterion or touch point key
    name: str                      # what a person reads: the touch point's name, the criterion's prompt
    network_rate: float            # pooled: all sites' passes over all sites' expected observations
    stddev: float                  # standard deviation of the per-site pass rates, each site weighted by
                                   # its expected observations (see variance/stats.py)
    min_rate: float
    max_rate: float
    drivers: list[str]             # site codes contributing most to the spread


@dataclass(slots=True)
class VarianceReport:
    date_from: dt.date
    date_to: dt.date
    versions: list[int]            # standard version numbers in force during the period
    network_score: float
    network_score_interval: tuple[float, float]
    consistency_index: float       # 0..100; formula documented in the engine and the report appendix
    sites: list[SiteVariance]
    touch_point_spread: list[Spread]
    criterion_spread: list[Spread]
    drivers: list[str]             # the sites that drive the network's spread most, worst first
    detail: str = "criteria"       # "touch_points": asked without the per-site criterion lists (every site's
                                   # ``criteria`` is []), see variance_report
    # The previous period of the same length, for the network's trend; None when nothing was expected in it.
    previous_network_score: float | None = None
    previous_consistency_index: float | None = None
    department_spread: list[Spread] = field(default_factory=list)  # per department, when asked for

    @property
    def previous_period(self) -> tuple[dt.date, dt.date]:
        return previous_period(self.date_from, self.date_to)
