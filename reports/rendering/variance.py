"""The PDF variance report: cover, one-page summary, heat map, league table, the sites whose photo evidence
carries trust flags, a chart per touch point, a page per site and an appendix with every formula.

Built to stay readable (and fast) at 1,000 sites: long tables are LongTables that break across pages
with their header repeated, cells are plain strings (Paragraphs are kept for prose), and a touch point's
chart shows one bar per site while that is legible and the distribution of site rates beyond that.
"""

from __future__ import annotations

from dataclasses import replace
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, LongTable, PageBreak, Paragraph, Spacer, Table

from consistency.services import evidence_trust as trust
from consistency.variance import stats
from consistency.variance.types import SiteVariance, Spread, VarianceReport
from customer.perception.types import PerceptionGap

from . import not_applicable
from .appendix import Layout, variance_appendix
from .common import (
    FONT,
    FONT_BOLD,
    FRAME_WIDTH,
    STYLES,
    TABLE_BASE,
    DocumentMeta,
    Progress,
    Stepper,
    build,
    cell_words,
    cell_words_now,
    generated,
    interval,
    interval_95,
    number,
    pct,
    rate_colour,
    signed_pts,
    text_of,
    zebra,
)
from .grid import PAD, Grid, Line, fit_text
from .perception import perception_section

BARS_PER_SITE_UP_TO = 40  # more sites than this and a touch point's chart shows the distribution instead
SUMMARY_TOP = 5
SHORTFALLS_PER_SITE = 15  # the worst ones; a page per site stays one page
HEAT_MAP_COLUMNS = 10  # touch points per heat map: 14 mm a column, a long word still fits on a line


def render_variance(report: VarianceReport, *, meta: DocumentMeta, progress: Progress | None = None,
                    perception: PerceptionGap | None = None) -> bytes:
    """The report as PDF bytes. ``progress`` receives 0..100 as the document is assembled and laid out.
    ``perception``: the perception gap of the same sites and period, drawn as its own section. Its words are
    those of the active language; the standard's texts those of ``meta.texts``."""
    with cell_words():
        return _render(report, meta=replace(meta, title=_("variance report")), progress=progress,
                       perception=perception)


def _render(report: VarianceReport, *, meta: DocumentMeta, progress: Progress | None,
            perception: PerceptionGap | None) -> bytes:
    sites = report.sites
    touch_points = _touch_point_names(report, meta)
    step = Stepper(progress, 0, 25, len(sites))
    story: list = []
    story += _cover(report, meta, len(sites))
    story += _summary(report, meta)
    story += _heat_map(report, touch_points)
    story += _league_table(report)
    story += _photo_evidence(report)
    story += not_applicable.variance_section(report)
    story += perception_section(perception, name_of=lambda key, own: text_of(meta, "name", key, own))
    story += _charts(report, touch_points)
    for index, site in enumerate(sites):
        story += _site_page(site, meta)
        step(index + 1)
    story += variance_appendix(report, Layout(best_worst=SUMMARY_TOP, shortfalls=SHORTFALLS_PER_SITE,
                                              bars_up_to=BARS_PER_SITE_UP_TO), perception=perception is not None)
    expected_pages = 8 + len(sites) + 3 * (len(sites) // 40 + 1) + len(touch_points) // 3
    pdf = build(story, meta, subject=_("Touchpoint variance report"),
                on_page=_page_progress(progress, 25, 99, expected_pages))
    if progress is not None:
        progress(99)  # the page estimate may have been generous
    return pdf


def _page_progress(progress: Progress | None, start: int, end: int, expected: int):
    if progress is None:
        return None
    step = Stepper(progress, start, end, expected)
    return lambda page: step(min(page, expected))


def _touch_point_names(report: VarianceReport, meta: DocumentMeta) -> list[tuple[str, str]]:
    """(key, name) of every touch point, in the order the sites list them; the name in the document's language."""
    seen: dict[str, str] = {}
    for site in report.sites:
        for tp in site.touch_points:
            seen.setdefault(tp.key, tp.name)
    for spread in report.touch_point_spread:
        seen.setdefault(spread.key, spread.name)
    return [(key, text_of(meta, "name", key, name)) for key, name in seen.items()]


def _cover(report: VarianceReport, meta: DocumentMeta, site_count: int) -> list:
    versions = (", ".join(meta.versions) or ", ".join(f"v{n}" for n in report.versions)
                or _("none in force"))
    rows = [
        [_("Scope"), meta.scope],
        [_("Period"), meta.period],
        [_("Sites"), str(site_count)],
        [_("Standard version(s)"), versions],
        [_("Generated"), generated(meta.generated_at)],
        [_("Run"), meta.run_id or "-"],
    ]
    table = Table(rows, colWidths=[55 * mm, 110 * mm])
    table.setStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("FONT", (0, 0), (0, -1), FONT_BOLD, 10),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6), ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey)])
    return [Spacer(1, 50 * mm), Paragraph(_("Variance report"), STYLES["title"]),
            Paragraph(escape(f"{meta.scope} · {meta.period}"), STYLES["subtitle"]), Spacer(1, 15 * mm), table,
            Spacer(1, 15 * mm),
            Paragraph(_("Every site against the master standard and against each other. The appendix explains "
                        "how every number in this report is computed."), STYLES["body"]),
            PageBreak()]


def _ranked(report: VarianceReport) -> list[SiteVariance]:
    """Sites by score, best first; those with nothing expected (no score) last, unranked."""
    return sorted(report.sites, key=lambda s: (s.score is None, -(s.score or 0.0), s.code))


def _summary(report: VarianceReport, meta: DocumentMeta) -> list:
    ranked = [s for s in _ranked(report) if s.score is not None]
    lo, hi = report.network_score_interval
    head = Table([
        [_("Network score"), interval_95(), _("Consistency index"), _("Sites"), _("Flagged (below network)"),
         _("Above network")],
        [pct(report.network_score), interval(lo, hi), f"{number(report.consistency_index, 1)} / 100",
         str(len(report.sites)), str(sum(1 for s in report.sites if s.flagged)),
         str(sum(1 for s in report.sites if s.flag == "above"))],
    ], colWidths=[28 * mm, 32 * mm, 32 * mm, 18 * mm, 38 * mm, 32 * mm])
    head.setStyle([*TABLE_BASE, ("FONT", (0, 1), (-1, 1), FONT_BOLD, 12), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                   ("TOPPADDING", (0, 1), (-1, 1), 6), ("BOTTOMPADDING", (0, 1), (-1, 1), 6)])

    def site_rows(items: list[SiteVariance]) -> list[list[str]]:
        return [[s.code, _fit(s.name, widths[1]), s.region, pct(s.score), _score_interval(s), signed_pts(s.trend)]
                for s in items]

    header = [_("Site"), _("Name"), _("Region"), _("Score"), interval_95(), _("Trend")]
    widths = [22 * mm, 60 * mm, 25 * mm, 20 * mm, 30 * mm, 23 * mm]
    # With 10 scored sites or fewer, the two lists split them (the better half is the longer) instead of
    # naming a site as both one of the best and one of the worst.
    top = ranked[:min(SUMMARY_TOP, (len(ranked) + 1) // 2)]
    bottom = list(reversed(ranked[len(top):][-SUMMARY_TOP:]))
    best = _table([header, *site_rows(top)], widths)
    worst = _table([header, *site_rows(bottom)], widths) if bottom else Paragraph(_("No other site is scored."),
                                                                                   STYLES["body"])
    spread = sorted(report.touch_point_spread, key=lambda s: -s.stddev)[:SUMMARY_TOP]
    spread_table = _table(
        [[_("Touch point"), _("Network rate"), _("Std dev"), _("Lowest"), _("Highest"), _("Sites driving the spread")],
         *[[_fit(text_of(meta, "name", s.key, s.name), 35 * mm), pct(s.network_rate), pct(s.stddev), pct(s.min_rate), pct(s.max_rate),
            ", ".join(s.drivers[:4])] for s in spread]],
        [35 * mm, 22 * mm, 18 * mm, 18 * mm, 18 * mm, 69 * mm])
    drivers = ", ".join(report.drivers[:10]) or _("none")
    return [Paragraph(pgettext("the heading of a report's summary page", "Summary"), STYLES["h1"]), head, Spacer(1, 1 * mm),
            Paragraph(_("<i>Flagged</i>: a site whose score is below the network's by more than its 95%% interval "
                        "allows, on at least %(least)s expected observations: it needs attention. A site above the "
                        "network by as much is counted apart.") % {"least": stats.MIN_FLAG_OBSERVATIONS},
                      STYLES["small"]),
            Spacer(1, 2 * mm), _photo_summary(report), Spacer(1, 2 * mm),
            Paragraph(_("Best sites"), STYLES["h2"]), best,
            Paragraph(_("Worst sites"), STYLES["h2"]), worst,
            Paragraph(_("Touch points with the most spread between sites"), STYLES["h2"]), spread_table,
            Spacer(1, 3 * mm),
            Paragraph(_("<b>Sites that drive the network's spread most:</b> %(sites)s") % {"sites": escape(drivers)},
                      STYLES["body"]),
            PageBreak()]


def _table(rows: list[list[str]], widths: list[float], *, long: bool = False, extra: list | None = None):
    cls = LongTable if long else Table
    table = cls(rows, colWidths=widths, repeatRows=1)
    table.setStyle([*TABLE_BASE, *zebra(len(rows)), *(extra or [])])
    return table


def _heat_map(report: VarianceReport, touch_points: list[tuple[str, str]]) -> list:
    """Sites x touch points, with the touch points' full names as column headers (wrapped onto as many lines
    as they need). More touch points than fit at a readable width make several maps, each with the sites."""
    groups = [touch_points[i:i + HEAT_MAP_COLUMNS] for i in range(0, len(touch_points), HEAT_MAP_COLUMNS)] or [[]]
    out: list = [Paragraph(_("Heat map: sites x touch points"), STYLES["h1"]),
                 Paragraph(_("Each cell is the site's pass rate for the touch point over every expected day "
                             "(a missed day counts as nothing passed). Red is 0%, amber 50%, green 100%."),
                           STYLES["small"])]
    for index, group in enumerate(groups, start=1):
        if len(groups) > 1:
            first = (index - 1) * HEAT_MAP_COLUMNS + 1
            out.append(Paragraph(_("Heat map, touch points %(first)s-%(last)s of %(count)s")
                                 % {"first": first, "last": first + len(group) - 1, "count": len(touch_points)},
                                 STYLES["h2"]))
        out += [Spacer(1, 2 * mm), _heat_map_table(report, group), PageBreak()]
    return out


def _heat_map_table(report: VarianceReport, touch_points: list[tuple[str, str]]) -> Grid:
    fixed = 22 * mm + 14 * mm
    cell = min(25 * mm, (FRAME_WIDTH - fixed) / max(len(touch_points), 1))
    header = [_("Site"), _("Score"), *[name for _key, name in touch_points]]
    rows, fills = [], []
    for site in report.sites:
        rates = {tp.key: tp.pass_rate for tp in site.touch_points}
        row, colours = [site.code, pct(site.score, 0)], [None, rate_colour(site.score)]
        for key, _name in touch_points:
            rate = rates.get(key)
            known = rate is not None and rate.expected > 0
            row.append(pct(rate.rate, 0) if known else "-")
            colours.append(rate_colour(rate.rate if known else None))
        rows.append(row)
        fills.append(colours)
    return Grid(header, rows, [22 * mm, 14 * mm, *[cell] * len(touch_points)],
                align=["L"] + ["C"] * (len(header) - 1), fill=lambda r, c: fills[r][c], wrap_header=True)


def _league_table(report: VarianceReport) -> list:
    header = ["#", _("Site"), _("Name"), _("Region"), _("Score"), interval_95(), _("Trend"), _("Checked"),
              _("Missed"), _("Late"), _("vs network")]
    # 180 mm: the frame's width (the table ran 9 mm into the right margin).
    widths = [9 * mm, 20 * mm, 30 * mm, 18 * mm, 14 * mm, 22 * mm, 16 * mm, 14 * mm, 12 * mm, 8 * mm, 17 * mm]
    rows = [[str(rank) if s.score is not None else "-", s.code, _fit(s.name, widths[2], 7.5),
             _fit(s.region, widths[3], 7.5), pct(s.score), _score_interval(s), signed_pts(s.trend),
             f"{s.checked_days}/{s.expected_days}", str(s.missed_days), str(s.late_checks), _flag(s.flag)]
            for rank, s in enumerate(_ranked(report), start=1)]
    return [Paragraph(_("League table"), STYLES["h1"]),
            Paragraph(_("Every site by score, best first. <i>vs network</i>: <b>below</b> (flagged: needs attention) "
                        "or <b>above</b> when the network's score lies outside the site's 95%% interval, on at least "
                        "%(least)s expected observations; blank when in line with the network or on too few "
                        "observations to say. A site of which nothing was expected in the period (opened after it, "
                        "or closed) has no score and is listed last.") % {"least": stats.MIN_FLAG_OBSERVATIONS},
                      STYLES["small"]),
            Spacer(1, 2 * mm), Grid(header, rows, widths, align="LLLLRRRRRRC", wrap_header=True), PageBreak()]


def _suspect_sites(report: VarianceReport) -> list[SiteVariance]:
    """Sites with photos flagged reused or captured far from their day, the largest share first."""
    return sorted((s for s in report.sites if s.photos.suspect),
                  key=lambda s: (-s.photos.suspect / s.photos.verified, -s.photos.suspect, s.code))


def _photo_summary(report: VarianceReport) -> Paragraph:
    verified = sum(s.photos.verified for s in report.sites)
    reused = sum(s.photos.reused for s in report.sites)
    stale = sum(s.photos.stale for s in report.sites)
    suspect = _suspect_sites(report)
    if not suspect:
        text = _("<b>Photo evidence:</b> %(verified)s verified photo(s) in the period; none reused or captured far "
                 "from its day.") % {"verified": verified}
    else:
        codes = f"{', '.join(s.code for s in suspect[:SUMMARY_TOP])}{', ...' if len(suspect) > SUMMARY_TOP else ''}"
        text = _("<b>Photo evidence:</b> %(verified)s verified photo(s) in the period; %(reused)s reused and "
                 "%(stale)s captured far from their day, at %(count)s site(s): %(sites)s (see <i>Photo evidence to "
                 "look at</i>).") % {"verified": verified, "reused": reused, "stale": stale, "count": len(suspect),
                                     "sites": escape(codes)}
    return Paragraph(text, STYLES["body"])


def _photo_evidence(report: VarianceReport) -> list:
    """The sites whose scores rest on photos a reader should check: reused, or captured far from their day."""
    suspect = _suspect_sites(report)
    if not suspect:
        return []
    header = [_("Site"), _("Name"), _("Score"), _("vs network"), _("Verified photos"), _("Reused"), _("Stale capture"),
              _("Either flag"), _("Share")]
    rows = [[s.code, _fit(s.name, 34 * mm), pct(s.score), _flag(s.flag), str(s.photos.verified), str(s.photos.reused),
             str(s.photos.stale), str(s.photos.suspect), pct(s.photos.suspect / s.photos.verified)] for s in suspect]
    widths = [18 * mm, 34 * mm, 14 * mm, 18 * mm, 24 * mm, 15 * mm, 22 * mm, 17 * mm, 18 * mm]
    return [Paragraph(_("Photo evidence to look at"), STYLES["h1"]),
            Paragraph(_("Sites with verified photos of the period that carry a trust flag, the largest share first. "
                        "<i>Reused</i>: the same bytes as, or a picture within %(distance)s of 64 bits (perceptual "
                        "hash) of, a photo already submitted for another day or another site. <i>Stale capture</i>: "
                        "taken more than %(hours)s hours from noon of the day it stands for. A photo may carry both. "
                        "The scores count these photos as verified: the flags do not change a score, they say where "
                        "the evidence behind one deserves a second look. The site's compliance pack lists each photo "
                        "with its flags.") % {"distance": trust.REUSE_MAX_DISTANCE,
                                              "hours": trust.STALE_CAPTURE_HOURS}, STYLES["small"]),
            Spacer(1, 2 * mm), Grid(header, rows, widths, align="LLRCRRRRR", wrap_header=True), PageBreak()]


def _charts(report: VarianceReport, touch_points: list[tuple[str, str]]) -> list:
    spreads = {s.key: s for s in report.touch_point_spread}
    out: list = [Paragraph(_("Touch points across the network"), STYLES["h1"])]
    for key, name in touch_points:
        rates = sorted(((s.code, tp.pass_rate.rate) for s in report.sites for tp in s.touch_points
                        if tp.key == key and tp.pass_rate.expected), key=lambda x: (-x[1], x[0]))
        out.append(CondPageBreak(80 * mm))
        out.append(KeepTogether([Paragraph(escape(name), STYLES["h2"]), _chart(rates),
                                 _spread_line(spreads.get(key))]))
    out.append(PageBreak())
    return out


def _spread_line(spread: Spread | None) -> Paragraph:
    if spread is None:
        return Paragraph("", STYLES["small"])
    drivers = ", ".join(spread.drivers[:6]) or _("none")
    return Paragraph(escape(_("Network rate %(rate)s · std dev between sites %(stddev)s · range %(low)s to %(high)s "
                              "· driving the spread: %(sites)s")
                            % {"rate": pct(spread.network_rate), "stddev": pct(spread.stddev),
                               "low": pct(spread.min_rate), "high": pct(spread.max_rate), "sites": drivers}),
                     STYLES["small"])


def _chart(rates: list[tuple[str, float]]) -> Drawing:
    drawing = Drawing(FRAME_WIDTH, 62 * mm)
    drawing.initialFontName = FONT  # the renderer's starting font (else Helvetica, named in the PDF for nothing)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 28, FRAME_WIDTH - 45, 62 * mm - 40
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.fontName = FONT
    if len(rates) <= BARS_PER_SITE_UP_TO:
        chart.data = [[round(rate * 100, 1) for _code, rate in rates] or [0]]
        chart.categoryAxis.categoryNames = [code for code, _rate in rates] or [""]
        chart.categoryAxis.labels.angle = 45 if len(rates) > 12 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if len(rates) > 12 else "n"
        for i, (_code, rate) in enumerate(rates):
            chart.bars[(0, i)].fillColor = rate_colour(rate)
        caption = _("Pass rate per site (%)")
    else:
        # Beyond ~40 bars a per-site chart is unreadable: show how many sites fall in each 10% band.
        bands = [0] * 10
        for _code, rate in rates:
            bands[min(int(rate * 10), 9)] += 1
        chart.data = [bands]
        chart.valueAxis.valueMax = max(bands) or 1
        chart.valueAxis.valueStep = max(1, (max(bands) or 1) // 5)
        chart.categoryAxis.categoryNames = [f"{i * 10}-{i * 10 + 10}%" for i in range(10)]
        for i in range(10):
            chart.bars[(0, i)].fillColor = rate_colour(i / 9)
        caption = _("Number of sites per pass-rate band (%(count)s sites)") % {"count": len(rates)}
    chart.barSpacing = 1
    drawing.add(chart)
    drawing.add(String(30, 62 * mm - 8, caption, fontSize=7, fontName=FONT))
    return drawing


def _score_interval(site: SiteVariance) -> str:
    return interval(*site.score_interval) if site.score is not None else "-"


def _site_page(site: SiteVariance, meta: DocumentMeta) -> list:
    figures = Grid([_("Score"), interval_95(), _("Previous period"), _("Trend"), _("Checked days"),
                    _("Missed days"), _("Late checks"), _("vs network")],
                   [[pct(site.score), _score_interval(site), pct(site.previous_score), signed_pts(site.trend),
                     f"{site.checked_days}/{site.expected_days}", str(site.missed_days), str(site.late_checks),
                     _versus(site.flag)]],
                   # 180 mm, the English headings on one line each (a longer language's wrap).
                   [18 * mm, 24 * mm, 25 * mm, 18 * mm, 24 * mm, 22 * mm, 22 * mm, 27 * mm], align="C",
                   wrap_header=True)
    tps = Grid([_("Touch point"), _("Pass rate"), interval_95(), _("Mean deviation"), _("Observed"), _("Trend"),
                _("vs network")],
               [[_fit(text_of(meta, "name", tp.key, tp.name), 50 * mm, 7.5), pct(tp.pass_rate.rate),
                 interval(tp.pass_rate.low, tp.pass_rate.high), _dev(tp.mean_deviation), str(tp.observations),
                 signed_pts(tp.trend), _flag(tp.flag)]
                for tp in site.touch_points],
               [50 * mm, 20 * mm, 28 * mm, 24 * mm, 18 * mm, 22 * mm, 18 * mm], align="LRRRRRC", wrap_header=True,
               fill=lambda r, c, tps=site.touch_points: rate_colour(tps[r].pass_rate.rate) if c == 1 else None)
    short = sorted((c for c in site.criteria if c.pass_rate.expected and c.pass_rate.rate < 1),
                   key=lambda c: (c.pass_rate.rate, c.key))
    out = [Line(f"{site.code} · {site.name}", font=FONT_BOLD, size=15, space_after=4),
           Line(_("Region %(region)s · %(missed)s missed day(s) of %(expected)s expected · trend %(trend)s against "
                  "the previous period") % {"region": site.region, "missed": site.missed_days,
                                            "expected": site.expected_days, "trend": signed_pts(site.trend)},
                size=8, space_after=2),
           Line(_photo_line(site), size=8, space_after=4),
           figures, Line(_("Touch points"), font=FONT_BOLD, size=11, space_before=8, space_after=3), tps,
           Line(_("Shortfalls (criteria below 100%, worst first)"), font=FONT_BOLD, size=11, space_before=8,
                space_after=3)]
    if short:
        # The prompt and the touch point's name, as a person reads them, each cut after a word to its column.
        names = {tp.key: text_of(meta, "name", tp.key, tp.name) for tp in site.touch_points}
        widths = [49 * mm, 32 * mm, 15 * mm, 21 * mm, 16 * mm, 16 * mm, 14 * mm, 17 * mm]
        out.append(Grid([_("Criterion"), _("Touch point"), _("Pass rate"), interval_95(), _("Mean dev."),
                         _("Observed"), _("Trend"), _("vs network")],
                        [[_fit(text_of(meta, "prompt", c.key, c.prompt), widths[0], 7.5),
                          _fit(names.get(c.touch_point, c.touch_point), widths[1], 7.5),
                          pct(c.pass_rate.rate), interval(c.pass_rate.low, c.pass_rate.high), _dev(c.mean_deviation),
                          str(c.observations), signed_pts(c.trend), _flag(c.flag)]
                         for c in short[:SHORTFALLS_PER_SITE]],
                        widths, align="LLRRRRRC", wrap_header=True))
        if len(short) > SHORTFALLS_PER_SITE:
            out.append(Line(_("... and %(count)s more criteria below 100%% (the site's compliance pack lists every "
                              "result).") % {"count": len(short) - SHORTFALLS_PER_SITE}, size=7.5, space_before=3))
    else:
        out.append(Line(_("No shortfalls: every expected criterion passed."), size=9))
    out.append(PageBreak())
    return out


def _photo_line(site: SiteVariance) -> str:
    p = site.photos
    if not p.suspect:
        return _("Photos: %(verified)s verified, none reused or captured far from its day") % {"verified": p.verified}
    return (_("Photos: %(verified)s verified · %(reused)s reused · %(stale)s captured far from their day "
              "(%(flagged)s with a flag, %(share)s: check them before relying on this score)")
            % {"verified": p.verified, "reused": p.reused, "stale": p.stale, "flagged": p.suspect,
               "share": pct(p.suspect / p.verified, 0)})


def _flag(flag: str | None) -> str:
    """A site's, touch point's or criterion's place against the network, in a table's column: below, above or
    blank."""
    return cell_words_now().flags.get(flag, flag) if flag else ""


def _versus(flag: str | None) -> str:
    return cell_words_now().versus.get(flag, flag) if flag else "-"


def _fit(text: str, column: float, size: float = 7.5) -> str:
    """``text`` cut after a word (with an ellipsis) to fit a column, never in the middle of a word."""
    return fit_text(text, column - 2 * PAD, FONT, size)


def _dev(value: float | None) -> str:
    return "-" if value is None else number(value, 3)
