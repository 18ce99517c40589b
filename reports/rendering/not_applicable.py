"""Criteria not applicable at a site in the PDFs: the variance report and the compliance pack say which criteria
were n/a at which sites, when and why. Each renderer makes ONE call here; the marks come from the engine's answer
(the variance) or from the pack's content (reports/not_applicable.py)."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, LongTable, Paragraph, Spacer

from consistency.variance.types import VarianceReport

from ..not_applicable import PackMark
from .common import FRAME_WIDTH, STYLES, TABLE_BASE, zebra


def _to(ends_on: dt.date | None) -> str:
    return ends_on.isoformat() if ends_on is not None else _("until further notice")


def _cell(text: str) -> Paragraph:
    return Paragraph(escape(text), STYLES["cell"])


def _table(rows: list[list], widths: list[float]) -> LongTable:
    table = LongTable(rows, colWidths=widths, repeatRows=1)
    table.setStyle([*TABLE_BASE, *zebra(len(rows))])
    return table


def variance_section(report: VarianceReport) -> list:
    """"Not applicable here": every site's marks of the period (none: nothing is drawn)."""
    rows = [[_("Site"), _("Criterion"), _("From"), _("To"), _("Reason")]]
    for site in report.sites:
        for n in site.not_applicable:
            rows.append([site.code, _cell(f"{n.prompt} ({n.criterion})"), n.starts_on.isoformat(), _to(n.ends_on),
                         _cell(n.reason)])
    if len(rows) == 1:
        return []
    return [CondPageBreak(40 * mm), Paragraph(_("Not applicable here"), STYLES["h1"]),
            Paragraph(_("Head office marked these criteria not applicable at these sites: on those days they are not "
                        "expected of the site (n/a: neither a pass nor a failure), and results stored for them are "
                        "left out of every rate and score in this report."), STYLES["body"]),
            _table(rows, [22 * mm, 62 * mm, 22 * mm, 24 * mm, FRAME_WIDTH - 130 * mm]), Spacer(1, 6 * mm)]


def pack_section(pack) -> list:
    """"Not applicable here" in the compliance pack: the site's marks of the period, who made them and when."""
    marks: list[PackMark] = pack.not_applicable
    if not marks:
        return []
    rows = [[_("Criterion"), _("From"), _("To"), _("Reason"), _("Marked by")]]
    for m in marks:
        rows.append([_cell(f"{m.prompt} ({m.criterion})"), m.starts_on.isoformat(), _to(m.ends_on), _cell(m.reason),
                     _cell(f"{m.marked_by}, {m.marked_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC")])
    return [CondPageBreak(40 * mm), Paragraph(_("Not applicable here"), STYLES["h1"]),
            Paragraph(_("Head office marked these criteria not applicable at this site: on those days they are not "
                        "expected (neither a pass nor a failure). A result stored for one of them before it was marked "
                        "is kept in the checks of this pack, and not counted in the variance."), STYLES["body"]),
            _table(rows, [60 * mm, 20 * mm, 24 * mm, FRAME_WIDTH - 140 * mm, 36 * mm]), Spacer(1, 6 * mm)]
