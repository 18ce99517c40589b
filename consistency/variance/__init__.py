"""The variance engine: every site against the standard and the network, with intervals and the consistency
index. It computes (stats, assemble, engine, grid) over what it selects (totals, photos, scope, timeline).

Public entry point: ``variance_report(date_from=, date_to=, sites=)``."""

from .engine import variance_report
from .types import (
    CriterionVariance,
    PhotoCounts,
    Rate,
    SiteVariance,
    Spread,
    TouchPointVariance,
    VarianceReport,
)

__all__ = ["CriterionVariance", "PhotoCounts", "Rate", "SiteVariance", "Spread", "TouchPointVariance",
           "VarianceReport", "variance_report"]
