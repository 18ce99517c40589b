"""The variance report's appendix: how every number in the report is computed, for its reader (an auditor,
an analyst), in plain words.

Every threshold, window and count it states is read from the constant the code uses (the engine's
statistics, the photo trust rules, the settings, the report's own layout) when the report is rendered,
so the appendix cannot state one number while the code uses another. The formulas in words are those
of consistency/services/scoring.py and consistency/variance/stats.py: a change there is a
change here. Its words are gettext's, in the language the report is rendered in.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from consistency.services import evidence_trust as trust
from consistency.variance import grid as engine
from consistency.variance import stats
from consistency.variance.types import VarianceReport
from customer.perception import stats as perception_stats
from customer.services.feedback.scores import SATISFIED_AT

from .common import STYLES, TABLE_BASE, day, number, pct, zebra


@dataclass(frozen=True)
class Layout:
    """How the report presents the engine's answer (the renderer's own numbers)."""

    best_worst: int        # sites in each of the summary's best and worst lists
    shortfalls: int        # criteria listed on a site's page
    bars_up_to: int        # up to this many sites, a touch point's chart has a bar per site


def _confidence() -> str:
    """The confidence level the interval's z stands for (z = 1.96: 95%)."""
    return pct(math.erf(stats.Z / math.sqrt(2)), 0)


def _days(n: int) -> str:
    return ngettext("%(count)s day", "%(count)s days", n) % {"count": n}


def _values(report: VarianceReport, layout: Layout) -> list[list[str]]:
    length = (report.date_to - report.date_from).days + 1
    prev_to = report.date_from - dt.timedelta(days=1)
    prev_from = prev_to - dt.timedelta(days=length - 1)
    return [
        [_("Period"), _("%(from)s to %(to)s (%(days)s)") % {"from": day(report.date_from), "to": day(report.date_to),
                                                            "days": _days(length)}],
        [_("Previous period (for trends)"), _("%(from)s to %(to)s (the same length, just before)")
         % {"from": day(prev_from), "to": day(prev_to)}],
        [_("Confidence of every interval"), _("%(confidence)s (Wilson score interval, z = %(z)s)")
         % {"confidence": _confidence(), "z": number(stats.Z, 2)}],
        [_("Fewest observations for a flag"), _("%(count)s expected (to be called below or above the network)")
         % {"count": stats.MIN_FLAG_OBSERVATIONS}],
        [_("Largest possible spread between sites"), _("%(points)s percentage points (consistency index 0)")
         % {"points": f"{stats.MAX_SIGMA * 100:g}"}],
        [_("Sites named as driving the network's spread"), _("up to %(count)s") % {"count": engine.REPORT_DRIVERS}],
        [_("Sites named per touch point or criterion"), _("up to %(count)s") % {"count": engine.SPREAD_DRIVERS}],
        [_("Checks are accepted"), _("up to %(days)s after their day; one received after its day ended is counted "
                                     "late") % {"days": _days(settings.LATE_CHECK_WINDOW_DAYS)}],
        [_("Photo reused"), _("the same bytes, or a picture within %(distance)s of 64 bits, as a photo of another "
                              "day or site") % {"distance": trust.REUSE_MAX_DISTANCE}],
        [_("Photo captured far from its day"), _("more than %(hours)s hours from noon of the day it stands for")
         % {"hours": trust.STALE_CAPTURE_HOURS}],
        [_("Best and worst sites listed"), _("%(count)s each") % {"count": layout.best_worst}],
        [_("Shortfalls listed per site"), _("the %(count)s worst") % {"count": layout.shortfalls}],
        [_("A bar per site in the charts"), _("up to %(count)s sites; beyond, sites per 10-point band")
         % {"count": layout.bars_up_to}],
    ]


def _sections(report: VarianceReport, layout: Layout) -> list[tuple[str, str]]:
    conf, z, least = _confidence(), number(stats.Z, 2), stats.MIN_FLAG_OBSERVATIONS
    late = settings.LATE_CHECK_WINDOW_DAYS
    max_spread = stats.MAX_SIGMA * 100
    mean_spread = (1 - report.consistency_index / 100) * max_spread
    return [
        (_("Which version of the standard judges a result"),
         _("Each check is judged against the version of the standard in force on the check's date (the site's "
           "local date, in its own time zone): the released version with the latest effective date on or before "
           "that day. A criterion that a day's version does not have is not expected that day.")),
        (_("Yes/no criteria"), _("Met when the answer is yes. Deviation is 0 when met and 1 when not.")),
        (_("Score criteria (1 to 5; the target is a minimum)"),
         _("Met when the score is at least the target. Deviation = (target - score) / (target - 1): 0 when met, "
           "1 for the worst possible score against that target.")),
        (_("Number criteria (a unit, 'at most' or 'at least' a target, and a tolerance)"),
         _("The excess is value - target for an 'at most' criterion and target - value for an 'at least' one. "
           "Met when the excess is no more than the tolerance. Deviation = (excess - tolerance) / the largest of "
           "the target (ignoring its sign), the tolerance and 1: 0 when met, growing with the shortfall beyond "
           "the tolerance, relative to the size of the target.")),
        (_("Passed"),
         _("A result passes when it is met and every photo the criterion requires has been verified (its bytes, "
           "type and fingerprint checked by the server).")),
        (_("Expected days, checked days and missed days"),
         _("A site is expected to check every day of the period from the day it opened, as long as a version of "
           "the standard is in force. A day that is not over yet at the site (its local today) is expected only "
           "once its check is in: until its end the manager still has time. A closed (inactive) site is "
           "expected only on the days it did check. <i>Checked</i> is the days with a check out of the days "
           "expected; <i>missed</i> is the expected days without one. A missed day counts as a day on which "
           "nothing passed: not reporting is the worst result.")),
        (_("Late checks"),
         _("A check received after its day had ended at the site. It is accepted up to %(days)s after its "
           "day and counts like any other; the count shows how often a site reports after the fact.")
         % {"days": _days(late)}),
        (_("Amended checks"),
         _("A manager may amend a day's check with a reason. Only the day's current check counts; the one it "
           "replaced stays on record (the site's compliance pack shows both).")),
        (_("Pass rate of a criterion"),
         _("Passes divided by expected observations: one observation per expected day on which the day's "
           "version has the criterion, missed days included. <i>Observed</i> is the number of results actually "
           "received.")),
        (_("Pass rate of a touch point, score of a site"),
         _("The weighted share of passed criteria: each criterion counts with the weight it has in the version "
           "in force that day, over every expected day. A check's own score is the same share for one day. The "
           "network score puts every site's weighted passes over every site's weighted expected observations, "
           "so a site counts in proportion to what was expected of it. A site of which nothing was expected in "
           "the period (it opened after it, or was closed and silent) has no score and is listed unranked.")),
        (_("The %(confidence)s interval") % {"confidence": conf},
         _("Shown beside each rate: Wilson's score interval at z = %(z)s. For a rate p over n expected "
           "observations: centre = (p + z&sup2;/2n) / (1 + z&sup2;/n), half-width = z &times; sqrt(p(1 - p)/n + "
           "z&sup2;/4n&sup2;) / (1 + z&sup2;/n). For a weighted rate (a touch point, a site's score, the network "
           "score) p is the weighted share and n the number of expected observations behind it, unweighted. "
           "The interval stays within 0-100%% and is wide when n is small; with nothing expected it is the whole "
           "0-100%%.") % {"z": z}),
        (_("Below and above the network (flags)"),
         _("A site, touch point or criterion is <b>below</b> the network when the network's rate is higher than "
           "the top of its %(confidence)s interval, and <b>above</b> it when the network's rate is lower than the "
           "bottom of that interval; either only when at least %(least)s observations were expected of it. With "
           "fewer it is neither, however far its rate is from the network's. <i>Flagged</i> means below the "
           "network: it needs attention. Being above is shown, not flagged.") % {"confidence": conf, "least": least}),
        (_("Mean deviation"),
         _("The average deviation of the results actually received (missed days are not results), to three "
           "decimals: 0 when every result met its target.")),
        (_("Trend"),
         _("This period's rate minus the rate over the previous period of the same length, in percentage "
           "points. No trend is shown when nothing was expected in one of the two periods.")),
        (_("Spread between sites"),
         _("For each criterion and touch point: the standard deviation of the site rates around the network's "
           "rate, each site weighted by what was expected of it, with the lowest and highest site rate. "
           "A site's share of the spread is its weight times the square of its distance from the network's "
           "rate; the up to %(spread)s sites with the largest shares are named as driving that spread, and the up "
           "to %(report)s with the largest shares summed over every criterion as driving the network's spread.")
         % {"spread": engine.SPREAD_DRIVERS, "report": engine.REPORT_DRIVERS}),
        (_("Consistency index"),
         _("100 &times; (1 - the mean spread over the criteria / %(max)s points). %(max)s points is the largest "
           "spread rates can have (half the sites always pass, half never do): that is 0; every site with the "
           "same rate is 100. In this report the index is %(index)s: the sites' rates spread by %(mean)s "
           "percentage points on an average criterion.")
         % {"max": f"{max_spread:g}", "index": number(report.consistency_index, 1), "mean": number(mean_spread, 1)}),
        (_("Photo evidence"),
         _("Each site's verified photos of the period's days (the day a photo stands for: its check's, or the day "
           "it was given to resolve a corrective action), and how many carry a trust flag. <b>Reused</b>: its bytes "
           "are identical to (same SHA-256), or its picture is within %(distance)s of 64 bits of (perceptual hash), "
           "a photo already submitted for another day or another site; the later of the two carries the flag. "
           "<b>Stale capture</b>: the capture time the camera recorded is more than %(hours)s hours from noon of "
           "the day the photo stands for, in the site's time zone; a photo without a capture time is not flagged. "
           "The scores count these photos as verified: the flags do not change a score; they show where the "
           "evidence behind one deserves a second look. The site's compliance pack lists each photo with its "
           "flags.") % {"distance": trust.REUSE_MAX_DISTANCE, "hours": trust.STALE_CAPTURE_HOURS}),
        (_("Heat map and charts"),
         _("A heat-map cell is the site's pass rate for the touch point, coloured from red (0%%) through amber "
           "(50%%) to green (100%%); '-' when nothing was expected. A touch point's chart has a bar per site for "
           "up to %(count)s sites; beyond that it counts the sites in each 10-point band of pass rate. Percentages "
           "are rounded to one decimal (whole numbers in the heat map).") % {"count": layout.bars_up_to}),
    ]


def _perception_sections() -> list[tuple[str, str]]:
    least, sites = perception_stats.MIN_OBSERVATIONS, perception_stats.MIN_CORRELATION_SITES
    return [
        (_("Perception gap: the three rates"),
         _("<i>Self-checks</i>: the share of passed results among those the sites submitted in the period (site and "
           "department checks; missed days are not results here, unlike a site's score). <i>Audits</i>: the share "
           "of passed results of audits and mystery shops (an auditor's observation is the evidence: met is "
           "passed). <i>Customers</i>: the share of feedback responses with a normalized score of at least "
           "%(satisfied)s (0-10: score / 10; 1-5: (score - 1) / 4); a question mapped to a criterion counts for "
           "its touch point. Each with Wilson's interval, as above.") % {"satisfied": f"{SATISFIED_AT:g}".replace(".", formats.get_format("DECIMAL_SEPARATOR"))}),
        (_("Perception gap: gaps and optimism"),
         _("A gap is one rate minus another, with Newcombe's hybrid score interval built from the two Wilson "
           "intervals (l1, u1) and (l2, u2): low = d - sqrt((p1 - l1)&sup2; + (u2 - p2)&sup2;), high = d + "
           "sqrt((u1 - p1)&sup2; + (p2 - l2)&sup2;). It is supported when that interval excludes 0 and each side has "
           "at least %(least)s observations. A site's optimism compares like with like: its self-check results on "
           "the criteria its audits observed against those audits. Sites are ranked only where their optimism is "
           "supported and above 0, by the lower end of its interval.") % {"least": least}),
        (_("Perception gap: compliance and satisfaction"),
         _("Pearson's r between a site's pass rate (self-checks, or audits) and its satisfied share, over the sites "
           "with at least %(least)s observations of both, with Fisher's interval tanh(atanh(r) &plusmn; 1.96 / "
           "sqrt(k - 3)). Below %(sites)s such sites the report says the data is too thin instead of giving r. "
           "Results of one visit or one day are not independent, so the true uncertainty is wider than shown.")
         % {"least": least, "sites": sites}),
    ]


def variance_appendix(report: VarianceReport, layout: Layout, *, perception: bool = False) -> list:
    values = [[Paragraph(f"<b>{label}</b>", STYLES["cell"]), Paragraph(value, STYLES["cell"])]
              for label, value in _values(report, layout)]
    table = Table(values, colWidths=[70 * mm, 110 * mm])
    body_only = [command for command in TABLE_BASE if command[2] != (-1, 0)]  # no header row here
    table.setStyle([*body_only, *zebra(len(values), start=-1)])
    out: list = [Paragraph(_("Appendix: how every number is computed"), STYLES["h1"]),
                 Paragraph(_("Every figure in this report comes from the daily checks the sites submitted, judged "
                             "against the master standard in force on each day. The values below are the ones "
                             "this report was made with."), STYLES["body"]),
                 Spacer(1, 2 * mm), table]
    for title, text in [*_sections(report, layout), *(_perception_sections() if perception else [])]:
        out += [Paragraph(title, STYLES["h2"]), Paragraph(text, STYLES["body"])]
    return out
