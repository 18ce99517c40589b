"""The answer of the perception gap (``customer.perception.perception_gap``): what sites report about
themselves beside what audits and customers find, per touch point, per criterion and per site.

Every rate is a proportion with its Wilson 95% interval; every gap a difference of two proportions with
Newcombe's hybrid score interval; a correlation has Fisher's z interval. ``None`` where there is no data.
The formulas are written out in docs/perception-gap.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rate:
    """``successes`` of ``n``: passed results (self-checks, audits) or satisfied customers (feedback)."""

    successes: int
    n: int
    rate: float | None   # successes / n; None when n == 0
    low: float | None    # Wilson 95% interval
    high: float | None


NO_DATA = Rate(successes=0, n=0, rate=None, low=None, high=None)


@dataclass(frozen=True)
class Gap:
    """``a`` minus ``b`` (e.g. self-check rate minus audit rate), with Newcombe's 95% interval."""

    value: float | None
    low: float | None
    high: float | None
    supported: bool      # the interval excludes 0 and both sides have at least MIN_OBSERVATIONS


@dataclass(frozen=True)
class CustomerScore:
    """Feedback on one touch point, criterion, site or scope: the share of satisfied responses (a normalized
    score of at least 0.75: 8-10 of 0-10, 4-5 of 1-5) as a Rate, and the mean normalized score (0..1) with a
    normal 95% interval."""

    satisfied: Rate
    mean: float | None
    mean_low: float | None
    mean_high: float | None


@dataclass(frozen=True)
class GapRow:
    """One line of the answer: the whole scope (key ""), a touch point, or a criterion."""

    key: str
    name: str
    touch_point: str          # the touch point's key (its own key for a touch point row, "" for the scope)
    department: str           # the touch point's department key, "" if none
    self_check: Rate          # current self-check results (site and department checks) in the period
    audit: Rate               # audit and mystery-shop results in the period
    customer: CustomerScore   # feedback mapped here (a criterion's question counts for its touch point too)
    self_vs_audit: Gap        # self_check.rate - audit.rate
    self_vs_customer: Gap     # self_check.rate - customer.satisfied.rate
    audit_vs_customer: Gap    # audit.rate - customer.satisfied.rate
    # Self-check results of only the (site, criterion) pairs the period's audits observed: what self_vs_audit
    # compares with the audit rate (like with like; audits cover part of the standard, now and then).
    self_check_audited: Rate = NO_DATA


@dataclass(frozen=True)
class SiteGap:
    """A site's own figures, compared on the criteria its audits observed (like with like)."""

    code: str
    name: str
    region: str
    self_check: Rate
    audit: Rate
    customer: CustomerScore
    optimism: Gap             # self-check rate minus audit rate on the criteria its audits observed
    audits: int               # audits and mystery shops of the site in the period
    rank: int | None          # 1 = most optimistic; None where the data does not support a ranking
    self_check_audited: Rate = NO_DATA  # the site's self-check results on the criteria its audits observed:
                                        # what optimism compares with the audit rate


@dataclass(frozen=True)
class Correlation:
    """Across the scope's sites: does compliance (``measure``: "self_check" or "audit" rate) go with
    customer satisfaction? Pearson's r over sites with enough data on both sides, Fisher's z interval."""

    measure: str
    sites: int
    r: float | None
    low: float | None
    high: float | None
    verdict: str              # "positive", "negative", "no_clear_link", "too_thin"
    message: str              # said plainly, e.g. "Too thin: 4 sites have enough audits and feedback; 10 are needed."


@dataclass
class PerceptionGap:
    date_from: dt.date
    date_to: dt.date
    region: str | None
    site: str | None
    overall: GapRow
    touch_points: list[GapRow] = field(default_factory=list)
    criteria: list[GapRow] = field(default_factory=list)
    sites: list[SiteGap] = field(default_factory=list)          # by code
    optimistic: list[SiteGap] = field(default_factory=list)     # the ranked ones, rank 1 first
    correlations: list[Correlation] = field(default_factory=list)
