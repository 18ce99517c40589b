"""The compliance pack's view from outside the site: audits and mystery shops (what each observed, what failed,
its photos) and customer feedback (per touch point, and a few recent comments), beside the site's own checks.

A mystery shop names no one and gives no time of day (reports/pack_customer.py leaves them out; this module
never prints what is not there).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, LongTable, PageBreak, Paragraph, Spacer

from ..pack_customer import MYSTERY_SHOPPER, PackAudit, PackFeedback
from ..packs import CompliancePack, outcome_text
from .common import FRAME_WIDTH, STYLES, TABLE_BASE, interval, pct, zebra

FAIL_BG = colors.HexColor("#fbe3e1")


def _p(text: str, style: str = "cell") -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


def _table(rows, widths, *, extra=None):
    table = LongTable(rows, colWidths=widths, repeatRows=1)
    table.setStyle([*TABLE_BASE, *zebra(len(rows)), *(extra or [])])
    return table


def _time(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M %z") if value else "-"


def audits_section(pack: CompliancePack, evidence_grid) -> list:
    """``evidence_grid(list[PackEvidence])``: the thumbnails grid of the checks' photos (compliance.py), so an
    audit's photos read exactly like a check's."""
    out: list = [Paragraph("Audits and mystery shops", STYLES["h1"]),
                 Paragraph("Visits by independent auditors and mystery shoppers, judged against the version of the "
                           "standard in force on their day. A visit may observe only part of the standard: its "
                           "score is the weighted share of passed criteria among those it observed. A mystery "
                           f"shopper is never named and no time of day is given for their visit (<i>"
                           f"{MYSTERY_SHOPPER}</i>).", STYLES["small"]), Spacer(1, 2 * mm)]
    if not pack.audits:
        return [*out, Paragraph("No audit or mystery shop in the period.", STYLES["body"]), PageBreak()]
    rows = [["Day", "Kind", "Version", "By", "Visit", "Observed", "Failed", "Score", "Photos"]]
    for a in pack.audits:
        rows.append([a.date.isoformat(), _p(a.kind_label + (" (calibration)" if a.calibration else "")),
                     f"v{a.version}", _p(a.by), _time(a.visited_at) if not a.anonymous else "-", str(a.observed),
                     str(len(a.failures)), pct(a.score), str(len(a.evidence))])
    out.append(_table(rows, [18 * mm, 28 * mm, 12 * mm, 40 * mm, 31 * mm, 14 * mm, 11 * mm, 14 * mm, 12 * mm]))
    for audit in pack.audits:
        out += _audit(audit, evidence_grid)
    out.append(PageBreak())
    return out


def _audit(audit: PackAudit, evidence_grid) -> list:
    title = (f"{audit.date.isoformat()} · {audit.kind_label.lower()} #{audit.id} · v{audit.version} · "
             f"score {pct(audit.score)}")
    line = [f"by {escape(audit.by)}"]
    if not audit.anonymous:
        line += [f"visit {_time(audit.visited_at)}", f"received {_time(audit.received_at)}"]
    line.append(f"{audit.observed} {'criterion' if audit.observed == 1 else 'criteria'} observed, "
                f"{len(audit.failures)} failed")
    if audit.calibration:
        line.append("<b>calibration visit</b> (compared with another auditor's visit of the same day)")
    rows = [["Criterion", "Touch point", "Value", "Result", "Deviation", "Note"]]
    widths = [58 * mm, 30 * mm, 20 * mm, 14 * mm, 16 * mm, 42 * mm]
    extra = []
    for i, r in enumerate(audit.results, start=1):
        # For an audit, passed is met: the visitor's own observation is the evidence.
        rows.append([_p(r.prompt), _p(r.touch_point), r.value, outcome_text(passed=r.passed, met=r.passed),
                     f"{r.deviation:.3f}", _p(r.note) if r.note else ""])
        if not r.passed:
            extra.append(("BACKGROUND", (0, i), (-1, i), FAIL_BG))
    out: list = [CondPageBreak(45 * mm), KeepTogether([Paragraph(title, STYLES["h2"]),
                                                       Paragraph(" · ".join(line), STYLES["small"]),
                                                       Spacer(1, 1 * mm)]),
                 _table(rows, widths, extra=extra)]
    if audit.evidence:
        out += [Spacer(1, 2 * mm), Paragraph(f"Photos of this visit ({len(audit.evidence)})", STYLES["small"]),
                evidence_grid(audit.evidence)]
    return out


def feedback_section(pack: CompliancePack) -> list:
    feedback: PackFeedback | None = pack.feedback
    out: list = [Paragraph("Customer feedback", STYLES["h1"]),
                 Paragraph("Customers' answers about the site's days in the period, per touch point of the standard "
                           "(a question mapped to a criterion counts for its touch point). <i>Satisfied</i>: a score "
                           "of 8 to 10 on a 0-10 scale, 4 or 5 on a 1-5 scale; its 95% interval is Wilson's. "
                           "<i>Mean</i>: the average score put on a 0-10 scale (1-5 answers as (score - 1) / 4 "
                           "&times; 10).", STYLES["small"]), Spacer(1, 2 * mm)]
    if feedback is None or not feedback.total.responses:
        return [*out, Paragraph("No customer feedback in the period.", STYLES["body"]), PageBreak()]
    rows = [["Touch point", "Responses", "Satisfied", "Satisfied share", "95% interval", "Mean (0-10)"]]
    for r in [*feedback.rows, feedback.total]:
        rows.append([_p(r.name), str(r.responses), str(r.satisfied), pct(r.share), interval(*r.interval),
                     "-" if r.mean is None else f"{r.mean * 10:.1f}"])
    out.append(_table(rows, [60 * mm, 20 * mm, 20 * mm, 26 * mm, 30 * mm, 24 * mm],
                      extra=[("FONT", (0, len(rows) - 1), (-1, len(rows) - 1), "Helvetica-Bold", 7.5),
                             ("ALIGN", (1, 0), (-1, -1), "RIGHT")]))
    if feedback.comments:
        out += [Paragraph("Recent comments", STYLES["h2"])]
        crow = [["Day", "Channel", "Score", "Question", "Comment"]]
        for c in feedback.comments:
            crow.append([c.date.isoformat(), c.channel, f"{c.score:g} of {c.scale}", _p(c.question or "overall"),
                         _p(c.comment)])
        out.append(_table(crow, [18 * mm, 16 * mm, 16 * mm, 45 * mm, FRAME_WIDTH - 95 * mm]))
    out.append(PageBreak())
    return out


__all__ = ["audits_section", "feedback_section"]
