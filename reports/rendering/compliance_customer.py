"""The compliance pack's view from outside the site: audits and mystery shops (what each observed, what failed,
its photos) and customer feedback (per touch point, and a few recent comments), beside the site's own checks.

A mystery shop names no one and gives no time of day (reports/pack_customer.py leaves them out; this module
never prints what is not there).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, LongTable, PageBreak, Paragraph, Spacer

from ..pack_customer import PackAudit, PackFeedback
from ..packs import CompliancePack, outcome_text
from . import words
from .common import (
    FONT_BOLD,
    FRAME_WIDTH,
    STYLES,
    TABLE_BASE,
    DocumentMeta,
    day,
    interval,
    interval_95,
    moment,
    number,
    pct,
    text_of,
    zebra,
)

FAIL_BG = colors.HexColor("#fbe3e1")


def _p(text: str, style: str = "cell") -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


def _table(rows, widths, *, extra=None):
    table = LongTable(rows, colWidths=widths, repeatRows=1)
    table.setStyle([*TABLE_BASE, *zebra(len(rows)), *(extra or [])])
    return table


def _time(value) -> str:
    return moment(value, seconds=False)


def _by(audit: PackAudit) -> str:
    """Who made the visit: a mystery shopper is never named (reports/pack_customer.py leaves the name out)."""
    return str(words.MYSTERY_SHOPPER) if audit.anonymous else audit.by


def _kind(audit: PackAudit) -> str:
    return words.visit_kind(audit.kind, audit.kind_label)


def audits_section(pack: CompliancePack, evidence_grid, meta: DocumentMeta | None = None) -> list:
    """``evidence_grid(list[PackEvidence])``: the thumbnails grid of the checks' photos (compliance.py), so an
    audit's photos read exactly like a check's."""
    out: list = [Paragraph(_("Audits and mystery shops"), STYLES["h1"]),
                 Paragraph(_("Visits by independent auditors and mystery shoppers, judged against the version of "
                             "the standard in force on their day. A visit may observe only part of the standard: its "
                             "score is the weighted share of passed criteria among those it observed. A mystery "
                             "shopper is never named and no time of day is given for their visit (<i>%(shopper)s</i>).")
                           % {"shopper": words.MYSTERY_SHOPPER}, STYLES["small"]), Spacer(1, 2 * mm)]
    if not pack.audits:
        return [*out, Paragraph(_("No audit or mystery shop in the period."), STYLES["body"]), PageBreak()]
    rows = [[_("Day"), _("Kind"), _("Version"), _("By"), _("Visit"), _("Observed"), _("Failed"), _("Score"),
             _("Photos")]]
    for a in pack.audits:
        rows.append([day(a.date), _p(_kind(a) + (" " + _("(calibration)") if a.calibration else "")),
                     f"v{a.version}", _p(_by(a)), _time(a.visited_at) if not a.anonymous else "-", str(a.observed),
                     str(len(a.failures)), pct(a.score), str(len(a.evidence))])
    out.append(_table(rows, [18 * mm, 28 * mm, 12 * mm, 38 * mm, 33 * mm, 14 * mm, 11 * mm, 14 * mm, 12 * mm]))
    for audit in pack.audits:
        out += _audit(audit, evidence_grid, meta)
    out.append(PageBreak())
    return out


def _audit(audit: PackAudit, evidence_grid, meta: DocumentMeta | None) -> list:
    title = (_("%(day)s · %(kind)s #%(id)s · v%(version)s · score %(score)s")
             % {"day": day(audit.date), "kind": _kind(audit).lower(), "id": audit.id, "version": audit.version,
                "score": pct(audit.score)})
    line = [_("by %(person)s") % {"person": escape(_by(audit))}]
    if not audit.anonymous:
        line += [_("visit %(time)s") % {"time": _time(audit.visited_at)},
                 _("received %(time)s") % {"time": _time(audit.received_at)}]
    line.append(ngettext("%(count)s criterion observed, %(failed)s failed",
                         "%(count)s criteria observed, %(failed)s failed", audit.observed)
                % {"count": audit.observed, "failed": len(audit.failures)})
    if audit.calibration:
        line.append(_("<b>calibration visit</b> (compared with another auditor's visit of the same day)"))
    rows = [[_("Criterion"), _("Touch point"), _("Value"), _("Result"), _("Deviation"), _("Note")]]
    widths = [58 * mm, 30 * mm, 20 * mm, 14 * mm, 16 * mm, 42 * mm]
    extra = []
    names = {}
    if meta is not None and meta.texts is not None:
        # The touch point is given by name: its key is found through the criterion's, in the audit's version.
        names = meta.texts.touch_point_names(audit.version)
    for i, r in enumerate(audit.results, start=1):
        # For an audit, passed is met: the visitor's own observation is the evidence.
        prompt = text_of(meta, "prompt", r.criterion, r.prompt, audit.version) if meta else r.prompt
        rows.append([_p(prompt), _p(names.get(r.criterion, r.touch_point)), r.value,
                     outcome_text(passed=r.passed, met=r.passed), number(r.deviation, 3),
                     _p(r.note) if r.note else ""])
        if not r.passed:
            extra.append(("BACKGROUND", (0, i), (-1, i), FAIL_BG))
    out: list = [CondPageBreak(45 * mm), KeepTogether([Paragraph(title, STYLES["h2"]),
                                                       Paragraph(" · ".join(line), STYLES["small"]),
                                                       Spacer(1, 1 * mm)]),
                 _table(rows, widths, extra=extra)]
    if audit.evidence:
        out += [Spacer(1, 2 * mm), Paragraph(_("Photos of this visit (%(count)s)") % {"count": len(audit.evidence)},
                                             STYLES["small"]),
                evidence_grid(audit.evidence)]
    return out


def _feedback_row_name(key: str, name: str, meta: DocumentMeta | None) -> str:
    """A feedback row's name: a touch point's (in the document's language), the overall rating ("") or every
    response ("*")."""
    if key == "":
        return _("Overall rating")
    if key == "*":
        return _("All responses")
    return text_of(meta, "name", key, name) if meta is not None else name


def feedback_section(pack: CompliancePack, meta: DocumentMeta | None = None) -> list:
    feedback: PackFeedback | None = pack.feedback
    out: list = [Paragraph(_("Customer feedback"), STYLES["h1"]),
                 Paragraph(_("Customers' answers about the site's days in the period, per touch point of the standard "
                             "(a question mapped to a criterion counts for its touch point). <i>Satisfied</i>: a score "
                             "of 8 to 10 on a 0-10 scale, 4 or 5 on a 1-5 scale; its %(level)s interval is Wilson's. "
                             "<i>Mean</i>: the average score put on a 0-10 scale (1-5 answers as (score - 1) / 4 "
                             "&times; 10).") % {"level": pct(0.95, 0)}, STYLES["small"]), Spacer(1, 2 * mm)]
    if feedback is None or not feedback.total.responses:
        return [*out, Paragraph(_("No customer feedback in the period."), STYLES["body"]), PageBreak()]
    rows = [[_("Touch point"), _("Responses"), _("Satisfied"), _("Satisfied share"), interval_95(),
             _("Mean (0-10)")]]
    for r in [*feedback.rows, feedback.total]:
        name = _feedback_row_name(r.key, r.name, meta)
        rows.append([_p(name), str(r.responses), str(r.satisfied), pct(r.share), interval(*r.interval),
                     "-" if r.mean is None else number(r.mean * 10, 1)])
    out.append(_table(rows, [60 * mm, 20 * mm, 20 * mm, 26 * mm, 30 * mm, 24 * mm],
                      extra=[("FONT", (0, len(rows) - 1), (-1, len(rows) - 1), FONT_BOLD, 7.5),
                             ("ALIGN", (1, 0), (-1, -1), "RIGHT")]))
    if feedback.comments:
        out += [Paragraph(_("Recent comments"), STYLES["h2"])]
        crow = [[_("Day"), _("Channel"), _("Score"), _("Question"), _("Comment")]]
        for c in feedback.comments:
            crow.append([day(c.date), c.channel, _("%(score)s of %(scale)s") % {"score": f"{c.score:g}",
                                                                                 "scale": c.scale},
                         _p(c.question or _("overall")), _p(c.comment)])
        out.append(_table(crow, [18 * mm, 16 * mm, 16 * mm, 45 * mm, FRAME_WIDTH - 95 * mm]))
    out.append(PageBreak())
    return out


__all__ = ["audits_section", "feedback_section"]
