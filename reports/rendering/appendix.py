"""The variance report's appendix: how every number is computed.

The judging formulas are those of consistency/services/scoring.py (keep the two together). The
aggregation formulas (rates, intervals, spread, consistency index) belong to the variance engine; the
appendix prints the engine's own documentation so it cannot drift from the code that computes them.
"""

from __future__ import annotations

import importlib
import inspect

from reportlab.platypus import Paragraph, Preformatted, Spacer

from .common import STYLES

JUDGING = [
    ("Which version judges a result",
     "Each check is judged against the version of the standard in force on the check's date (the site's "
     "local date): the released version with the latest effective date on or before that day."),
    ("Boolean criteria",
     "Met when the answer is yes. Deviation is 0 when met and 1 when not."),
    ("Score criteria (1 to 5, the target is a minimum)",
     "Met when value &ge; target. Deviation = (target &minus; value) / (target &minus; 1): 0 when met, "
     "1 for the worst possible score against that target."),
    ("Number criteria (a unit, a comparison and a tolerance band)",
     "Excess = value &minus; target for 'at most' (lte) criteria, target &minus; value for 'at least' (gte). "
     "Met when excess &le; tolerance. Deviation = (excess &minus; tolerance) / max(|target|, tolerance, 1): 0 "
     "when met, growing with the shortfall beyond the band relative to the size of the target."),
    ("Passed",
     "A result passes when it is met and every photo the criterion requires has been verified."),
    ("Check score",
     "The weighted share of passed criteria: sum of the weights of passed criteria / sum of all weights."),
    ("Site score",
     "The weighted share of passed criteria over every <b>expected</b> day of the period: a day with no "
     "check counts as a day on which nothing passed (not reporting is the worst result). Only the current "
     "check of a day counts; an amended check is replaced by its amendment."),
    ("Missed days",
     "Expected days (from the site's opening, up to the site's local today) without a current check."),
    ("Pass rate and its 95% interval",
     "Rate = passed / expected observations. The interval is Wilson's score interval at z = 1.96: "
     "centre = (p + z&sup2;/2n) / (1 + z&sup2;/n), half-width = z &middot; sqrt(p(1 &minus; p)/n + "
     "z&sup2;/4n&sup2;) / (1 + z&sup2;/n), where n is the number of expected observations. It stays inside "
     "0..1 and stays wide when n is small, so a site is never called out on a handful of observations."),
    ("Mean deviation", "The average deviation of the results actually received (missed days excluded)."),
    ("Trend", "This period's rate minus the rate of the previous period of the same length, in percentage "
              "points."),
    ("Spread", "For each criterion and touch point: the standard deviation of the per-site pass rates, with "
               "the lowest and highest site rate; the sites driving the spread are those furthest from the "
               "network rate, weighted by their observations."),
]


ENGINE_MODULES = ("consistency.selectors.variance.engine", "consistency.selectors.variance.stats")


def engine_documentation() -> str:
    """The variance engine's own documentation: how expected observations, segments, intervals, spread,
    the consistency index and flags are computed (its engine and stats modules)."""
    parts = []
    for name in ENGINE_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        parts.append(inspect.getdoc(module) or "")
    return "\n\n".join(p for p in parts if p.strip())


def variance_appendix() -> list:
    out: list = [Paragraph("Appendix: how every number is computed", STYLES["h1"])]
    for title, text in JUDGING:
        out += [Paragraph(title, STYLES["h2"]), Paragraph(text, STYLES["body"])]
    doc = engine_documentation()
    if doc:
        out += [Spacer(1, 4), Paragraph("The variance engine, in its own words (network score, consistency "
                                        "index, spread and drivers)", STYLES["h2"]),
                Preformatted(doc, STYLES["mono"], maxLineLength=120)]
    return out
