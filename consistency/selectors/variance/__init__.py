"""The variance engine. Public entry point: ``variance_report(date_from=, date_to=, sites=)``."""

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
