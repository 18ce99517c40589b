"""The perception gap as the pages write it (/app/perception/, the site page's panel, the league table's
column): the engine's answer (customer.perception.perception_gap, the API's) turned into text by
pages/format.py. Formatting only: no rate, gap or interval is computed here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from customer.perception import Correlation, CustomerScore, Gap, GapRow, PerceptionGap, Rate, SiteGap
from customer.perception.stats import MIN_OBSERVATIONS

from .format import coefficient, count, interval, pct, points, points_interval

MEASURES = {"self_check": _("Self-check pass rate"), "audit": _("Audit pass rate")}
VERDICTS = {"positive": _("Goes with satisfaction"), "negative": _("Goes against satisfaction"),
            "no_clear_link": _("No clear link"), "too_thin": _("Too thin to say")}


@dataclass(frozen=True)
class RateText:
    value: float | None   # the engine's rate (for data-* attributes and tests)
    text: str             # "87.3%", "–" without data
    interval: str         # "84.1–90.2%", "" without data
    n: int
    n_text: str           # "1,234"


@dataclass(frozen=True)
class CustomerText(RateText):
    mean: str             # the mean normalized score as a percentage of the scale's top, "–" without data


@dataclass(frozen=True)
class GapText:
    value: float | None
    text: str             # "+12.0 pts", "–" when a side has no data
    interval: str         # "−1.0 to +25.1 pts"
    supported: bool       # the engine's: the interval excludes 0 on enough observations
    way: str              # "over" (first side higher), "under", "" (none or not supported)


@dataclass(frozen=True)
class RowText:
    key: str
    name: str
    touch_point: str
    department: str
    self_check: RateText
    audit: RateText
    customer: CustomerText
    self_vs_audit: GapText
    self_vs_customer: GapText
    audit_vs_customer: GapText


@dataclass(frozen=True)
class SiteText:
    code: str
    name: str
    region: str
    self_check: RateText
    audit: RateText
    customer: CustomerText
    optimism: GapText
    audits: int
    rank: int | None


@dataclass(frozen=True)
class CorrelationText:
    measure: str          # the engine's key
    label: str            # "Audit pass rate"
    verdict: str          # the engine's key: "positive", "negative", "no_clear_link", "too_thin"
    verdict_label: str
    message: str          # the engine's own sentence
    r: str
    interval: str         # "−0.12 to 0.64", "" without one
    sites: int


def rate_text(rate: Rate) -> RateText:
    bounds = interval((rate.low, rate.high)) if rate.low is not None and rate.high is not None else ""
    return RateText(rate.rate, pct(rate.rate), bounds, rate.n, count(rate.n))


def customer_text(score: CustomerScore) -> CustomerText:
    r = rate_text(score.satisfied)
    return CustomerText(r.value, r.text, r.interval, r.n, r.n_text, pct(score.mean))


def gap_text(gap: Gap) -> GapText:
    way = ""
    if gap.supported and gap.value is not None:
        way = "over" if gap.value > 0 else "under" if gap.value < 0 else ""
    return GapText(gap.value, points(gap.value), points_interval(gap.low, gap.high), gap.supported, way)


def row_text(row: GapRow) -> RowText:
    return RowText(row.key, row.name, row.touch_point, row.department, rate_text(row.self_check),
                   rate_text(row.audit), customer_text(row.customer), gap_text(row.self_vs_audit),
                   gap_text(row.self_vs_customer), gap_text(row.audit_vs_customer))


def site_text(site: SiteGap) -> SiteText:
    return SiteText(site.code, site.name, site.region, rate_text(site.self_check), rate_text(site.audit),
                    customer_text(site.customer), gap_text(site.optimism), site.audits, site.rank)


def correlation_text(c: Correlation) -> CorrelationText:
    bounds = gettext("%(low)s to %(high)s") % {"low": coefficient(c.low), "high": coefficient(c.high)} \
        if c.low is not None and c.high is not None else ""
    return CorrelationText(c.measure, str(MEASURES.get(c.measure, c.measure)), c.verdict,
                           str(VERDICTS.get(c.verdict, c.verdict)), c.message, coefficient(c.r), bounds, c.sites)


def criteria_by_touch_point(gap: PerceptionGap) -> dict[str, list[RowText]]:
    by_tp: dict[str, list[RowText]] = {}
    for row in gap.criteria:
        by_tp.setdefault(row.touch_point, []).append(row_text(row))
    return by_tp


def perception_text(gap: PerceptionGap) -> dict:
    """Everything a page shows of one answer, written out."""
    criteria = criteria_by_touch_point(gap)
    return {
        "overall": row_text(gap.overall),
        "touch_points": [(row_text(t), criteria.get(t.key, [])) for t in gap.touch_points],
        "criteria_count": len(gap.criteria),
        "min_observations": MIN_OBSERVATIONS,  # a gap is "clear" only on this many observations on each side
        "optimistic": [site_text(s) for s in gap.optimistic],
        "unranked": unranked_text(gap),
        "site_count": len(gap.sites),
        "correlations": [correlation_text(c) for c in gap.correlations],
    }


def unranked_text(gap: PerceptionGap) -> str:
    """How many of the scope's sites the ranking leaves out, and why, in a sentence."""
    total, unranked = len(gap.sites), len(gap.sites) - len(gap.optimistic)
    if not unranked:
        return gettext("Every site (%(total)s) is ranked.") % {"total": total} if total else gettext("No site in scope.")
    unaudited = sum(1 for s in gap.sites if not s.audits)
    numbers = {"unranked": unranked, "total": total, "unaudited": unaudited}
    head = gettext("%(unranked)s of %(total)s site is not ranked") % numbers if total == 1 else ngettext(
        "%(unranked)s of %(total)s sites is not ranked", "%(unranked)s of %(total)s sites are not ranked",
        unranked) % numbers
    if unaudited == unranked:
        return gettext("%(head)s: no audit in the period.") % {"head": head}
    if not unaudited:
        return gettext("%(head)s: too few observations, or no clear optimism.") % {"head": head}
    return gettext("%(head)s: %(unaudited)s had no audit in the period; the others have too few observations, or "
                   "no clear optimism.") % {"head": head, "unaudited": unaudited}
