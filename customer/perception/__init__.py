"""The perception gap: what sites report about themselves against what audits and customers find."""

from .types import Correlation, CustomerScore, Gap, GapRow, PerceptionGap, Rate, SiteGap

__all__ = ["Correlation", "CustomerScore", "Gap", "GapRow", "PerceptionGap", "Rate", "SiteGap", "perception_gap"]


def perception_gap(*, sites, date_from, date_to, region=None, site=None) -> PerceptionGap:
    """The gap for ``sites`` (a queryset the caller scoped with ``sites.access``) over [date_from, date_to].
    A constant number of queries, whatever the number of sites. ``region``/``site``: the codes the scope was
    narrowed by, echoed in the answer."""
    from .engine import perception_gap as compute  # the implementation (customer/perception/engine.py)

    return compute(sites=sites, date_from=date_from, date_to=date_to, region=region, site=site)
