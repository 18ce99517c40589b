"""The variance report's perception-gap section: what sites report about themselves (self-checks) beside what
audits and customers find, from ``customer.perception.perception_gap`` (the numbers of GET
/api/v1/perception-gap/ for the same scope and period; nothing is recomputed here).

Per touch point: the three rates with their 95% intervals and counts, and the gaps with Newcombe's interval
(marked where the data supports them); the sites whose self-checks are most optimistic against their audits,
ranked only where supported (the candidates for a visit); and whether compliance goes with customer
satisfaction across sites, in the engine's own words (including "too thin").
"""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table

from customer.perception import stats
from customer.perception.types import CustomerScore, Gap, GapRow, PerceptionGap, Rate

from .common import FONT, FONT_BOLD, STYLES, TABLE_BASE, number, pct, signed, zebra
from .grid import PAD, Grid, fit_text

RANKED_LISTED = 40  # the ranking lists this many sites; the API lists every one
SUPPORTED = colors.HexColor("#fbe3e1")  # a supported gap's cell: the data says it is real
MEASURE_NAMES = {"self_check": gettext_lazy("Self-checks and customers"),
                 "audit": gettext_lazy("Audits and customers")}


def rate_text(rate: Rate) -> str:
    """"92.9% (92.3-93.5%, n 2040)": the rate, its Wilson interval and count; "-" without data."""
    if rate.rate is None:
        return "- (n 0)"
    return _("%(rate)s (%(low)s-%(high)s%%, n %(count)s)") % {
        "rate": pct(rate.rate), "low": number(rate.low * 100, 1), "high": number(rate.high * 100, 1), "count": rate.n}


def gap_text(gap: Gap) -> str:
    """"+10.3 pts (+0.6 to +20.2)": the gap in percentage points with its Newcombe interval."""
    if gap.value is None:
        return "-"
    return _("%(gap)s pts (%(low)s to %(high)s)") % {"gap": signed(gap.value * 100, 1),
                                                      "low": signed(gap.low * 100, 1), "high": signed(gap.high * 100, 1)}


def customer_text(customer: CustomerScore) -> str:
    return rate_text(customer.satisfied)


def perception_section(gap: PerceptionGap | None, *, name_of: Callable[[str, str], str] | None = None) -> list:
    """``name_of(key, name)``: a touch point's name in the document's language (as it is given by default)."""
    if gap is None:
        return []
    name_of = name_of or (lambda key, name: name)
    out: list = [
        Paragraph(_("Perception gap: self-checks, audits and customers"), STYLES["h1"]),
        Paragraph(_(
            "<i>Self-checks</i>: the sites' own results in the period (every result received, missed days not "
            "counted). <i>Audits</i>: results of independent audits and mystery shops. <i>Customers</i>: the share "
            "of satisfied feedback responses (8-10 of 0-10, 4-5 of 1-5). Each with its 95%% Wilson interval and "
            "count. A gap is the first rate minus the second, in percentage points, with Newcombe's 95%% interval; "
            "it is <b>supported</b> (shaded) when the interval excludes 0 and each side has at least "
            "%(least)s observations. A positive self-check gap means the sites say they do better than audits or "
            "customers find.") % {"least": stats.MIN_OBSERVATIONS}, STYLES["small"]),
        Spacer(1, 2 * mm),
        _rows_table([gap.overall, *gap.touch_points], name_of),
        Spacer(1, 3 * mm),
        Paragraph(_("Sites most optimistic about themselves (candidates for a visit)"), STYLES["h2"]),
        Paragraph(_(
            "A site's optimism is its self-check pass rate on the criteria its audits observed minus its audit pass "
            "rate (like with like). Only sites whose optimism is supported are ranked, by the lower end of its "
            "interval: the least optimism the data supports."), STYLES["small"]),
        Spacer(1, 1 * mm),
        *_ranking(gap),
        Spacer(1, 3 * mm),
        Paragraph(_("Does complying go with satisfied customers?"), STYLES["h2"]),
        *[Paragraph(f"<b>{escape(str(MEASURE_NAMES.get(c.measure, c.measure)))}</b>: {escape(c.message)}",
                    STYLES["body"])
          for c in gap.correlations],
        Paragraph(_("Pearson's r across sites with at least %(least)s observations on both sides, with Fisher's "
                    "95%% interval; fewer than %(sites)s such sites is too thin to say.")
                  % {"least": stats.MIN_OBSERVATIONS, "sites": stats.MIN_CORRELATION_SITES}, STYLES["small"]),
        PageBreak(),
    ]
    return out


def _rows_table(rows: list[GapRow], name_of: Callable[[str, str], str]) -> Table:
    header = [_("Touch point"), _("Self-checks"), _("Audits"), _("Customers satisfied"), _("Gap: self - audits"),
              _("Gap: self - customers")]
    data = [header]
    extra = []
    for r, row in enumerate(rows, start=1):
        data.append([name_of(row.key, row.name) if row.key else _("All touch points"), rate_text(row.self_check),
                     rate_text(row.audit),
                     customer_text(row.customer), gap_text(row.self_vs_audit), gap_text(row.self_vs_customer)])
        for column, g in ((4, row.self_vs_audit), (5, row.self_vs_customer)):
            if g.supported:
                extra.append(("BACKGROUND", (column, r), (column, r), SUPPORTED))
    # 175 mm: the frame less its padding, so the table lines up with the text above it.
    widths = [28 * mm, 31 * mm, 29 * mm, 29 * mm, 29 * mm, 29 * mm]
    # Cells of a rate are "92.9% (92.3-93.5%, n 2040)": on two lines, the rate first.
    data = [data[0], *[[row[0], *[_two_lines(c) for c in row[1:]]] for row in data[1:]]]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle([*TABLE_BASE, *zebra(len(data)), *extra, ("FONT", (0, 1), (-1, 1), FONT_BOLD, 7.5),
                    ("ALIGN", (1, 0), (-1, -1), "RIGHT")])
    return table


def _two_lines(text: str) -> str:
    head, sep, tail = text.partition(" (")
    return f"{head}\n({tail}" if sep else text


def _ranking(gap: PerceptionGap) -> list:
    if not gap.optimistic:
        return [Paragraph(_("No site's optimism is supported by the data of this period: none is ranked."),
                          STYLES["body"])]
    header = ["#", _("Site"), _("Name"), _("Self-checks (audited criteria)"), _("Audits"), _("Optimism"), _("Visits"),
              _("Satisfied")]
    # 175 mm; the rates' and the gap's columns hold their widest text in the embedded font at 6.8 pt.
    widths = [7 * mm, 16 * mm, 20 * mm, 38 * mm, 31 * mm, 33 * mm, 10 * mm, 20 * mm]
    rows = [[str(s.rank), s.code, fit_text(s.name, widths[2] - 2 * PAD, FONT, 6.8), rate_text(s.self_check_audited),
             rate_text(s.audit), gap_text(s.optimism), str(s.audits), pct(s.customer.satisfied.rate)]
            for s in gap.optimistic[:RANKED_LISTED]]
    out: list = [Grid(header, rows, widths, align="RLLRRRRR", font_size=6.8, wrap_header=True)]
    if len(gap.optimistic) > RANKED_LISTED:
        out.append(Paragraph(_("... and %(count)s more ranked sites (GET /api/v1/perception-gap/ lists every one).")
                             % {"count": len(gap.optimistic) - RANKED_LISTED}, STYLES["small"]))
    return out


__all__ = ["customer_text", "gap_text", "perception_section", "rate_text"]
