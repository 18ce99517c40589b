"""The compliance pack PDF: one site, one period, everything an auditor needs to stand on its own.

Sections: cover; the standard version(s) in full; every check with its results and notes (amended
checks shown as changed, with when and why); missed days; each failure with its corrective action;
photo evidence as the thumbnails made at confirmation (never resized here), with capture time, upload
time, SHA-256 and reuse/staleness flags; a closing manifest.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, LongTable, PageBreak, Paragraph, Spacer, Table

from ..pack_reviews import photo_reviews_section
from ..packs import CompliancePack, PackCheck, PackEvidence, outcome_text
from . import not_applicable
from .common import FRAME_WIDTH, STYLES, TABLE_BASE, DocumentMeta, Progress, Stepper, build, pct, zebra
from .compliance_customer import audits_section, feedback_section
from .grid import image_flowable, wrap_text

THUMBS_PER_ROW = 4
THUMB_BOX = (FRAME_WIDTH / THUMBS_PER_ROW) - 4 * mm
FAIL_BG = colors.HexColor("#fbe3e1")


def render_compliance_pack(pack: CompliancePack, *, meta: DocumentMeta, progress: Progress | None = None) -> bytes:
    story: list = []
    story += _cover(pack, meta)
    story += _standard(pack)
    story += _checks(pack)
    story += _missed(pack)
    story += not_applicable.pack_section(pack)
    story += _failures(pack)
    story += audits_section(pack, _evidence_grid)
    story += feedback_section(pack)
    story += _evidence(pack)
    story += photo_reviews_section(pack)
    story += _manifest(pack, meta)
    expected_pages = (6 + len(pack.checks) // 2 + len(pack.evidence) // 12 + len(pack.failures) // 30
                      + len(pack.audits) // 2)
    step = Stepper(progress, 0, 99, expected_pages) if progress else None
    pdf = build(story, meta, subject="Touchpoint compliance pack",
                on_page=(lambda page: step(min(page, expected_pages))) if step else None)
    if progress is not None:
        progress(99)  # the page estimate may have been generous
    return pdf


def _p(text: str, style: str = "cell") -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


def _lines(text: str, width: float) -> str:
    """A plain table cell of ``text`` wrapped to a column ``width`` wide (its padding taken off): between words,
    and a key only after an underscore. Cheaper than a Paragraph in the long tables."""
    return "\n".join(wrap_text(text, width - 6, "Helvetica", 7.5))


def _dt(value) -> str:
    """To the second, with its UTC offset (the selector hands over the site's local times)."""
    return value.strftime("%Y-%m-%d %H:%M:%S %z") if value else "-"


def _table(rows, widths, *, extra=None, long=True):
    table = (LongTable if long else Table)(rows, colWidths=widths, repeatRows=1)
    table.setStyle([*TABLE_BASE, *zebra(len(rows)), *(extra or [])])
    return table


def _cover(pack: CompliancePack, meta: DocumentMeta) -> list:
    current = [c for c in pack.checks if c.is_current]
    rows = [
        ["Site", f"{pack.site_code} · {pack.site_name}"],
        ["Region", pack.region],
        ["Time zone", f"{pack.timezone} (every time in this pack is the site's local time)"],
        ["Period", meta.period],
        ["Standard version(s)", ", ".join(f"v{v.number}" for v in pack.versions) or "none in force"],
        ["Expected days", str(pack.expected_days)],
        ["Days checked", str(len({c.date for c in current}))],
        ["Missed days", str(len(pack.missed_days))],
        ["Failures", str(len(pack.failures))],
        ["Photo evidence", str(len(pack.evidence))],
        ["Audits", _visits(pack)],
        ["Customer feedback", f"{pack.feedback.total.responses} response(s)" if pack.feedback else "0 response(s)"],
        ["Generated", meta.generated_at.strftime("%Y-%m-%d %H:%M UTC") if meta.generated_at else "-"],
        ["Run", meta.run_id or "-"],
    ]
    table = Table(rows, colWidths=[45 * mm, 120 * mm])
    table.setStyle([("FONT", (0, 0), (-1, -1), "Helvetica", 10), ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 10),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5), ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey)])
    return [Spacer(1, 35 * mm), Paragraph("Compliance pack", STYLES["title"]),
            _p(f"{pack.site_code} · {meta.period}", "subtitle"), Spacer(1, 10 * mm), table, Spacer(1, 10 * mm),
            Paragraph("This pack was produced by Touchpoint. Its SHA-256 was recorded when it was made: "
                      "<font face='Courier'>manage.py verify_pack FILE</font> or "
                      "<font face='Courier'>POST /api/v1/reports/verify/</font> says whether a copy is exactly "
                      "this document, for which site and period.", STYLES["body"]),
            PageBreak()]


def _standard(pack: CompliancePack) -> list:
    out: list = [Paragraph("The standard", STYLES["h1"])]
    for v in pack.versions:
        since = v.effective_from.isoformat() if v.effective_from else "-"
        out.append(Paragraph(f"Version {v.number} ({v.status}, in force from {since})", STYLES["h2"]))
        rows = [["Touch point", "Prompt", "Key", "Kind", "Target", "Weight", "Critical", "Photos"]]
        widths = [22 * mm, 40 * mm, 30 * mm, 16 * mm, 36 * mm, 12 * mm, 12 * mm, 12 * mm]
        for tp in v.touch_points:
            for c in tp.criteria:
                # The prompt is what a person reads; the key is how the API and the phone name the criterion.
                rows.append([_p(tp.name), _p(c.prompt), _lines(c.key, widths[2]), _p(c.kind), _p(c.rule),
                             f"{c.weight:g}", "yes" if c.critical else "", str(c.photos_required or "")])
        out.append(_table(rows, widths))
        whys = [f"<b>{escape(tp.name)}</b>: {escape(tp.why)}" for tp in v.touch_points if tp.why]
        if whys:
            out += [Spacer(1, 2 * mm), Paragraph("Why each touch point matters: " + " · ".join(whys), STYLES["small"])]
    out.append(PageBreak())
    return out


def _checks(pack: CompliancePack) -> list:
    out: list = [Paragraph("Checks", STYLES["h1"]),
                 Paragraph("Every check received for the period, oldest first, with each result. A check that "
                           "was amended is shown as <b>superseded</b>, with when and by which check; the amending "
                           "check lists what changed.", STYLES["small"])]
    by_id = {c.id: c for c in pack.checks}
    for check in pack.checks:
        out.append(CondPageBreak(40 * mm))
        out.append(Paragraph(_check_title(check), STYLES["h2"]))
        out.append(Paragraph(_check_line(check, by_id), STYLES["small"]))
        rows = [["Criterion", "Value", "Result", "Deviation", "Note"]]
        widths = [62 * mm, 22 * mm, 34 * mm, 16 * mm, 46 * mm]
        extra = []
        for i, r in enumerate(check.results, start=1):
            rows.append([_lines(r.prompt, widths[0]), r.value, outcome_text(passed=r.passed, met=r.met),
                         f"{r.deviation:.3f}", _p(r.note) if r.note else ""])
            if not r.passed:
                extra.append(("BACKGROUND", (0, i), (-1, i), FAIL_BG))
        out.append(_table(rows, widths, extra=extra))
    out.append(PageBreak())
    return out


def _check_title(check: PackCheck) -> str:
    state = "current" if check.is_current else "superseded"
    return f"{check.date.isoformat()} · check #{check.id} · v{check.version} · {state} · score {pct(check.score)}"


def _check_line(check: PackCheck, by_id: dict[int, PackCheck]) -> str:
    parts = [f"by {escape(check.submitted_by)}", f"performed {_dt(check.performed_at)}",
             f"received {_dt(check.received_at)}"]
    if check.late:
        parts.append("<b>late</b>: arrived after the site's day had ended")
    if not check.is_current:
        parts.append(f"<b>superseded</b> {_dt(check.superseded_at)}"
                     + (f" by check #{check.amended_by}" if check.amended_by else ""))
    if check.amends:
        parts.append(f"<b>amends</b> check #{check.amends}"
                     + (f": {escape(check.amendment_reason)}" if check.amendment_reason else ""))
        earlier = by_id.get(check.amends)
        if earlier is not None:
            before = {r.criterion: r.value for r in earlier.results}
            changed = [f"{escape(r.prompt)} {escape(before[r.criterion])} -&gt; {escape(r.value)}"
                       for r in check.results if r.criterion in before and before[r.criterion] != r.value]
            parts.append("changed: " + (", ".join(changed) if changed else "no values"))
    return " · ".join(parts)


def _missed(pack: CompliancePack) -> list:
    out: list = [Paragraph("Missed days", STYLES["h1"]),
                 Paragraph(f"{len(pack.missed_days)} of {pack.expected_days} expected days have no check. A missed "
                           "day counts as a day on which nothing passed.", STYLES["body"])]
    if pack.missed_days:
        days = [d.isoformat() for d in pack.missed_days]
        rows = [["Missed day"] * 6] + [days[i:i + 6] + [""] * (6 - len(days[i:i + 6])) for i in range(0, len(days), 6)]
        out.append(_table(rows, [FRAME_WIDTH / 6] * 6))
    out.append(Spacer(1, 6 * mm))
    return out


def _failures(pack: CompliancePack) -> list:
    out: list = [CondPageBreak(60 * mm), Paragraph("Failures and corrective actions", STYLES["h1"])]
    if not pack.failures:
        return [*out, Paragraph("No failures in the period.", STYLES["body"]), PageBreak()]
    rows = [["Day", "Criterion", "Value", "Result", "Critical", "Corrective action"]]
    for f in pack.failures:
        if f.action is None and f.awaiting_photo:
            action = "none: the target was met"
        elif f.action is None:
            action = "none opened" if not f.critical else "none recorded"
        else:
            a = f.action
            action = f"{a.status}; opened {_dt(a.opened_at)}; due {a.due_on.isoformat()}"
            if a.resolved_at:
                action += f"; resolved {_dt(a.resolved_at)} by {a.resolved_by}: {a.note}"
        rows.append([f.date.isoformat(), _p(f.prompt), f.value, outcome_text(passed=False, met=f.awaiting_photo),
                     "yes" if f.critical else "", _p(action)])
    out += [_table(rows, [18 * mm, 42 * mm, 20 * mm, 33 * mm, 13 * mm, 54 * mm]), PageBreak()]
    return out


def _evidence(pack: CompliancePack) -> list:
    out: list = [Paragraph("Photo evidence", STYLES["h1"]),
                 Paragraph("Thumbnails made when each photo was verified. Capture time comes from the photo "
                           "itself (EXIF) when it carries one; SHA-256 is the fingerprint of the original.",
                           STYLES["small"]), Spacer(1, 2 * mm)]
    if not pack.evidence:
        return [*out, Paragraph("No photo evidence in the period.", STYLES["body"]), PageBreak()]
    return [*out, _evidence_grid(sorted(pack.evidence, key=lambda e: (e.date or dt.date.min, e.uploaded_at))),
            PageBreak()]


def _evidence_grid(evidence: list[PackEvidence]) -> LongTable:
    cells = [_evidence_cell(e) for e in evidence]
    rows = [cells[i:i + THUMBS_PER_ROW] + [""] * (THUMBS_PER_ROW - len(cells[i:i + THUMBS_PER_ROW]))
            for i in range(0, len(cells), THUMBS_PER_ROW)]
    grid = LongTable(rows, colWidths=[FRAME_WIDTH / THUMBS_PER_ROW] * THUMBS_PER_ROW)
    grid.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8cdd4")),
                   ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)])
    return grid


def _visits(pack: CompliancePack) -> str:
    shops = sum(1 for a in pack.audits if a.anonymous)
    return f"{len(pack.audits) - shops} audit(s), {shops} mystery shop(s)"


def _evidence_cell(e: PackEvidence) -> list:
    flags = []
    if e.reused_from:
        flags.append(f"REUSED (same as {e.reused_from})")
    if e.stale:
        flags.append("STALE capture")
    if e.status != "verified":
        flags.append(e.status.upper())
    sha = e.sha256 or "-"
    # Only a verified photo's hash was computed from its bytes; otherwise it is what the phone declared.
    declared = "" if e.status == "verified" else "declared: "
    lines = [f"<b>{escape(e.prompt)}</b> · {e.date.isoformat() if e.date else '-'}"
             + (" · action" if e.for_action else ""),
             *_photo_times(e),
             # 5.5 pt: two lines of 32 characters fit the cell (at 6 pt they ran past its edge).
             f"<font face='Courier' size='5.5'>{declared}{sha[:32]}<br/>{sha[32:]}</font>"]
    if flags:
        lines.append(f"<font color='#b00020'><b>{escape(', '.join(flags))}</b></font>")
    caption = Paragraph("<br/>".join(lines), STYLES["small"])
    if e.thumbnail:
        return [image_flowable(e.thumbnail, (THUMB_BOX, THUMB_BOX * 0.75)), caption]
    return [Paragraph("<i>no thumbnail: listed only</i>", STYLES["small"]), caption]


def _photo_times(e: PackEvidence) -> list[str]:
    if e.day_only:  # a mystery shop's photo: the hour would point at the shopper
        return [f"captured on {_day(e.captured_at)}", f"uploaded on {_day(e.uploaded_at)}"]
    return [f"captured {_dt(e.captured_at)}", f"uploaded {_dt(e.uploaded_at)}"]


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if value else "-"


def _manifest(pack: CompliancePack, meta: DocumentMeta) -> list:
    current = [c for c in pack.checks if c.is_current]
    results = sum(len(c.results) for c in current)
    audit_photos = [e for a in pack.audits for e in a.evidence]
    summary = _table([
        ["Item", "Count"],
        ["Checks received (incl. superseded)", str(len(pack.checks))],
        ["Current checks", str(len(current))],
        ["Amended checks (superseded)", str(sum(1 for c in pack.checks if not c.is_current))],
        ["Results in current checks", str(results)],
        ["Failures", str(len(pack.failures))],
        ["Corrective actions", str(sum(1 for f in pack.failures if f.action))],
        ["Missed days", str(len(pack.missed_days))],
        ["Photo evidence", str(len(pack.evidence))],
        ["Audits and mystery shops", str(len(pack.audits))],
        ["Photos of audits and mystery shops", str(len(audit_photos))],
        ["Customer feedback responses", str(pack.feedback.total.responses if pack.feedback else 0)],
        ["Thumbnails embedded", str(sum(1 for e in [*pack.evidence, *audit_photos] if e.thumbnail))],
    ], [90 * mm, 30 * mm], long=False)
    rows = [["#", "Evidence", "Criterion", "Day", "SHA-256 of the original"]]
    for i, e in enumerate(pack.evidence, start=1):
        # A photo not verified has only the hash its phone declared: said beside its criterion.
        criterion = e.prompt if e.status == "verified" else f"{e.prompt} ({e.status}: hash as declared)"
        rows.append([str(i), e.id[:8], _p(criterion), e.date.isoformat() if e.date else "-", e.sha256 or "-"])
    for i, (audit, e) in enumerate(((a, e) for a in pack.audits for e in a.evidence), start=len(rows)):
        criterion = f"{e.prompt} ({audit.kind_label.lower()} #{audit.id})"
        if e.status != "verified":
            criterion += f" ({e.status}: hash as declared)"
        rows.append([str(i), e.id[:8], _p(criterion), e.date.isoformat() if e.date else "-", e.sha256 or "-"])
    out = [CondPageBreak(80 * mm), Paragraph("Manifest", STYLES["h1"]),
           Paragraph(f"Compliance pack for {escape(pack.site_code)}, {meta.period}, run {meta.run_id or '-'}.",
                     STYLES["body"]), Spacer(1, 2 * mm), summary, Spacer(1, 4 * mm)]
    if len(rows) > 1:
        out.append(_table(rows, [10 * mm, 18 * mm, 38 * mm, 20 * mm, 94 * mm],
                          extra=[("FONT", (4, 1), (4, -1), "Courier", 6.5)]))
    out.append(Spacer(1, 4 * mm))
    out.append(Paragraph("End of pack. The SHA-256 of this PDF is recorded by Touchpoint; any change to a single "
                         "byte makes verification fail.", STYLES["small"]))
    return out


__all__ = ["render_compliance_pack"]
