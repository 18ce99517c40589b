"""Across the scope's sites: do sites that comply more score better with customers?

For each measure ("self_check": the site's self-check pass rate; "audit": its audit pass rate) against the
site's satisfied share of customers: Pearson's r over the sites with at least ``stats.MIN_OBSERVATIONS``
observations of the measure AND as many feedback responses, with Fisher's z 95% interval. Below
``stats.MIN_CORRELATION_SITES`` such sites the verdict is "too_thin" and no r is given: with a handful of
sites any r is compatible with no link at all (the retail studies this answers found mystery-shop scores did
not predict satisfaction: it must be measured per brand, and measured on enough sites).
"""

from __future__ import annotations

from . import stats
from .types import Correlation, SiteGap

MEASURES = {"self_check": "self-check pass rate", "audit": "audit pass rate"}


def correlations(site_gaps: list[SiteGap]) -> list[Correlation]:
    return [correlation(measure, site_gaps) for measure in MEASURES]


def correlation(measure: str, site_gaps: list[SiteGap]) -> Correlation:
    pairs = [(getattr(g, measure).rate, g.customer.satisfied.rate) for g in site_gaps
             if getattr(g, measure).n >= stats.MIN_OBSERVATIONS and g.customer.satisfied.n >= stats.MIN_OBSERVATIONS]
    k, what = len(pairs), MEASURES[measure]
    if k < stats.MIN_CORRELATION_SITES:
        return Correlation(measure=measure, sites=k, r=None, low=None, high=None, verdict=stats.TOO_THIN,
                           message=f"Too thin: {_sites(k)} {'has' if k == 1 else 'have'} at least "
                                   f"{stats.MIN_OBSERVATIONS} {_observations(measure)} and {stats.MIN_OBSERVATIONS} "
                                   f"feedback responses; {stats.MIN_CORRELATION_SITES} are needed to say whether "
                                   f"the {what} goes with customer satisfaction.")
    r = stats.pearson([x for x, _ in pairs], [y for _, y in pairs])
    if r is None:
        return Correlation(measure=measure, sites=k, r=None, low=None, high=None, verdict=stats.NO_CLEAR_LINK,
                           message=f"No clear link: every one of the {k} sites has the same {what} or the same "
                                   "customer satisfaction, so neither can predict the other here.")
    low, high = stats.fisher(r, k)
    verdict = stats.verdict(low, high)
    interval = f"r = {r:.2f} (95% interval {low:.2f} to {high:.2f}) over {k} sites"
    message = {
        stats.POSITIVE: f"Sites with a higher {what} have more satisfied customers ({_strength(r)}): {interval}.",
        stats.NEGATIVE: f"Sites with a higher {what} have fewer satisfied customers ({_strength(r)}): {interval}.",
        stats.NO_CLEAR_LINK: f"No clear link between the {what} and customer satisfaction: {interval}; the "
                             "interval includes 0.",
    }[verdict]
    return Correlation(measure=measure, sites=k, r=r, low=low, high=high, verdict=verdict, message=message)


def _strength(r: float) -> str:
    """Words for |r| (Cohen's conventional cut-offs 0.3 and 0.5): on a thousand sites an r of 0.06 excludes 0
    and still explains a third of a percent of the spread; saying "weak" keeps it from reading as a finding."""
    size = abs(r)
    return "a weak link" if size < 0.3 else "a moderate link" if size < 0.5 else "a strong link"


def _sites(k: int) -> str:
    return f"{k} site" if k == 1 else f"{k} sites"


def _observations(measure: str) -> str:
    return "self-check results" if measure == "self_check" else "audit results"
