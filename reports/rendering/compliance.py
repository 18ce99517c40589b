"""The compliance pack PDF: one site, one period, everything an auditor needs to stand on its own.

Sections: cover; the standard version(s) in full; every check with its results and notes (amended
checks shown as changed, with when and why); missed days; each failure with its corrective action;
photo evidence as the thumbnails made at confirmation (never resized here), with capture time, upload
time, SHA-256, every trust flag (reused, stale, blurred or dark, edited, captured after its upload, far from the
site) and who signed the capture (C2PA content credentials); a closing manifest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, LongTable, PageBreak, Paragraph, Spacer, Table

from ..pack_reviews import photo_reviews_section
from ..packs import CompliancePack, PackCheck, PackEvidence, outcome_text
from . import not_applicable, words
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
    day,
    generated,
    moment,
    number,
    pct,
    text_of,
    zebra,
)
from .compliance_customer import audits_section, feedback_section
from .grid import image_flowable, wrap_text

THUMBS_PER_ROW = 4
THUMB_BOX = (FRAME_WIDTH / THUMBS_PER_ROW) - 4 * mm
FAIL_BG = colors.HexColor("#fbe3e1")


def render_compliance_pack(pack: CompliancePack, *, meta: DocumentMeta, progress: Progress | None = None) -> bytes:
    """The pack as PDF bytes, its words in the active language and the standard's texts in ``meta.texts``."""
    with cell_words():
        return _render(pack, meta=replace(meta, title=_("compliance pack")), progress=progress)


def _render(pack: CompliancePack, *, meta: DocumentMeta, progress: Progress | None) -> bytes:
    story: list = []
    story += _cover(pack, meta)
    story += _standard(pack, meta)
    story += _checks(pack, meta)
    story += _missed(pack)
    story += not_applicable.pack_section(pack)
    story += _failures(pack, meta)
    story += audits_section(pack, lambda evidence: _evidence_grid(evidence, meta), meta)
    story += feedback_section(pack, meta)
    story += _evidence(pack, meta)
    story += photo_reviews_section(pack)
    story += _manifest(pack, meta)
    expected_pages = (6 + len(pack.checks) // 2 + len(pack.evidence) // 12 + len(pack.failures) // 30
                      + len(pack.audits) // 2)
    step = Stepper(progress, 0, 99, expected_pages) if progress else None
    pdf = build(story, meta, subject=_("Touchpoint compliance pack"),
                on_page=(lambda page: step(min(page, expected_pages))) if step else None)
    if progress is not None:
        progress(99)  # the page estimate may have been generous
    return pdf


def _p(text: str, style: str = "cell") -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


def _lines(text: str, width: float) -> str:
    """A plain table cell of ``text`` wrapped to a column ``width`` wide (its padding taken off): between words,
    and a key only after an underscore. Cheaper than a Paragraph in the long tables."""
    return "\n".join(wrap_text(text, width - 6, FONT, 7.5))


def _dt(value) -> str:
    """To the second, with its UTC offset (the selector hands over the site's local times)."""
    return moment(value)


def _yes(flag: bool) -> str:
    return _("yes") if flag else ""


def _table(rows, widths, *, extra=None, long=True):
    table = (LongTable if long else Table)(rows, colWidths=widths, repeatRows=1)
    table.setStyle([*TABLE_BASE, *zebra(len(rows)), *(extra or [])])
    return table


def _cover(pack: CompliancePack, meta: DocumentMeta) -> list:
    current = [c for c in pack.checks if c.is_current]
    rows = [
        [_("Site"), f"{pack.site_code} · {pack.site_name}"],
        [_("Region"), pack.region],
        [_("Time zone"), _("%(zone)s (every time in this pack is the site's local time)") % {"zone": pack.timezone}],
        [_("Period"), meta.period],
        [_("Standard version(s)"), ", ".join(f"v{v.number}" for v in pack.versions) or _("none in force")],
        [_("Expected days"), str(pack.expected_days)],
        [_("Days checked"), str(len({c.date for c in current}))],
        [_("Missed days"), str(len(pack.missed_days))],
        [_("Failures"), str(len(pack.failures))],
        [_("Photo evidence"), str(len(pack.evidence))],
        [_("Audits"), _visits(pack)],
        [_("Customer feedback"), _("%(count)s response(s)") % {"count": pack.feedback.total.responses
                                                                if pack.feedback else 0}],
        [_("Generated"), generated(meta.generated_at)],
        [_("Run"), meta.run_id or "-"],
    ]
    # The values as paragraphs in the table's own font: a long one (a French time zone line) wraps in its column
    # instead of running past the table's edge.
    value_style = ParagraphStyle("tp-cover-value", parent=STYLES["body"], fontSize=10, leading=12.5)
    rows = [[label, Paragraph(escape(value), value_style)] for label, value in rows]
    table = Table(rows, colWidths=[55 * mm, 120 * mm])
    table.setStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("FONT", (0, 0), (0, -1), FONT_BOLD, 10),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5), ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey)])
    return [Spacer(1, 35 * mm), Paragraph(_("Compliance pack"), STYLES["title"]),
            _p(f"{pack.site_code} · {meta.period}", "subtitle"), Spacer(1, 10 * mm), table, Spacer(1, 10 * mm),
            Paragraph(_("This pack was produced by Touchpoint and is signed by the franchise (a PAdES signature "
                        "any PDF reader lists). Anyone holding the franchise's certificate can check it offline: "
                        "<font face='Courier'>python -m reports.verify_pack FILE --cert CERT</font> says who "
                        "signed it, when, and that not a byte has changed since; "
                        "<font face='Courier'>POST /api/v1/reports/verify/</font> says for which site and "
                        "period Touchpoint made it."), STYLES["body"]),
            PageBreak()]


def _standard(pack: CompliancePack, meta: DocumentMeta) -> list:
    out: list = [Paragraph(_("The standard"), STYLES["h1"])]
    for v in pack.versions:
        out.append(Paragraph(_("Version %(number)s (%(status)s, in force from %(day)s)")
                             % {"number": v.number, "status": words.status(v.status), "day": day(v.effective_from)},
                             STYLES["h2"]))
        rows = [[_("Touch point"), _("Prompt"), pgettext("a criterion's key, in a table's heading", "Key"), _("Kind"),
                 _("Target"), _("Weight"), _("Critical"), _("Photos")]]
        widths = [26 * mm, 36 * mm, 30 * mm, 16 * mm, 36 * mm, 12 * mm, 12 * mm, 12 * mm]
        for tp in v.touch_points:
            name = text_of(meta, "name", tp.key, tp.name, v.number)
            for c in tp.criteria:
                # The prompt is what a person reads; the key is how the API and the phone name the criterion.
                rows.append([_p(name), _p(text_of(meta, "prompt", c.key, c.prompt, v.number)),
                             _lines(c.key, widths[2]), _p(c.kind), _p(c.rule), f"{c.weight:g}", _yes(c.critical),
                             str(c.photos_required or "")])
        out.append(_table(rows, widths))
        whys = [_("<b>%(name)s</b>: %(why)s") % {"name": escape(text_of(meta, "name", tp.key, tp.name, v.number)),
                                                   "why": escape(text_of(meta, "why", tp.key, tp.why, v.number))}
                for tp in v.touch_points if tp.why]
        if whys:
            out += [Spacer(1, 2 * mm), Paragraph(_("Why each touch point matters: ") + " · ".join(whys),
                                                 STYLES["small"])]
    out.append(PageBreak())
    return out


def _checks(pack: CompliancePack, meta: DocumentMeta) -> list:
    out: list = [Paragraph(_("Checks"), STYLES["h1"]),
                 Paragraph(_("Every check received for the period, oldest first, with each result. A check that "
                             "was amended is shown as <b>superseded</b>, with when and by which check; the amending "
                             "check lists what changed."), STYLES["small"])]
    by_id = {c.id: c for c in pack.checks}
    for check in pack.checks:
        out.append(CondPageBreak(40 * mm))
        out.append(Paragraph(escape(_check_title(check)), STYLES["h2"]))
        out.append(Paragraph(_check_line(check, by_id, meta), STYLES["small"]))
        rows = [[_("Criterion"), _("Value"), _("Result"), _("Deviation"), _("Note")]]
        widths = [62 * mm, 22 * mm, 34 * mm, 16 * mm, 46 * mm]
        extra = []
        for i, r in enumerate(check.results, start=1):
            prompt = text_of(meta, "prompt", r.criterion, r.prompt, check.version)
            rows.append([_lines(prompt, widths[0]), r.value, outcome_text(passed=r.passed, met=r.met),
                         number(r.deviation, 3), _p(r.note) if r.note else ""])
            if not r.passed:
                extra.append(("BACKGROUND", (0, i), (-1, i), FAIL_BG))
        out.append(_table(rows, widths, extra=extra))
    out.append(PageBreak())
    return out


def _check_title(check: PackCheck) -> str:
    state = _("current") if check.is_current else _("superseded")
    return (_("%(day)s · check #%(id)s · v%(version)s · %(state)s · score %(score)s")
            % {"day": day(check.date), "id": check.id, "version": check.version, "state": state,
               "score": pct(check.score)})


def _check_line(check: PackCheck, by_id: dict[int, PackCheck], meta: DocumentMeta) -> str:
    parts = [_("by %(person)s") % {"person": escape(check.submitted_by)},
             _("performed %(time)s") % {"time": _dt(check.performed_at)},
             _("received %(time)s") % {"time": _dt(check.received_at)}]
    if check.late:
        parts.append(_("<b>late</b>: arrived after the site's day had ended"))
    if not check.is_current:
        parts.append(_("<b>superseded</b> %(time)s") % {"time": _dt(check.superseded_at)}
                     + (" " + _("by check #%(id)s") % {"id": check.amended_by} if check.amended_by else ""))
    if check.amends:
        amends = _("<b>amends</b> check #%(id)s") % {"id": check.amends}
        parts.append(_("%(what)s: %(reason)s") % {"what": amends, "reason": escape(check.amendment_reason)}
                     if check.amendment_reason else amends)
        earlier = by_id.get(check.amends)
        if earlier is not None:
            before = {r.criterion: r.value for r in earlier.results}
            changed = [f"{escape(text_of(meta, 'prompt', r.criterion, r.prompt, check.version))} "
                       f"{escape(before[r.criterion])} -&gt; {escape(r.value)}"
                       for r in check.results if r.criterion in before and before[r.criterion] != r.value]
            parts.append(_("changed: %(changes)s") % {"changes": ", ".join(changed) if changed else _("no values")})
    return " · ".join(parts)


def _missed(pack: CompliancePack) -> list:
    out: list = [Paragraph(_("Missed days"), STYLES["h1"]),
                 Paragraph(_("%(missed)s of %(expected)s expected days have no check. A missed day counts as a day "
                             "on which nothing passed.") % {"missed": len(pack.missed_days),
                                                            "expected": pack.expected_days}, STYLES["body"])]
    if pack.missed_days:
        days = [day(d) for d in pack.missed_days]
        rows = [[_("Missed day")] * 6] + [days[i:i + 6] + [""] * (6 - len(days[i:i + 6]))
                                          for i in range(0, len(days), 6)]
        out.append(_table(rows, [FRAME_WIDTH / 6] * 6))
    out.append(Spacer(1, 6 * mm))
    return out


def _failures(pack: CompliancePack, meta: DocumentMeta) -> list:
    out: list = [CondPageBreak(60 * mm), Paragraph(_("Failures and corrective actions"), STYLES["h1"])]
    if not pack.failures:
        return [*out, Paragraph(_("No failures in the period."), STYLES["body"]), PageBreak()]
    rows = [[_("Day"), _("Criterion"), _("Value"), _("Result"), _("Critical"), _("Corrective action")]]
    versions = {c.id: c.version for c in pack.checks}
    for f in pack.failures:
        if f.action is None and f.awaiting_photo:
            action = _("none: the target was met")
        elif f.action is None:
            action = _("none opened") if not f.critical else _("none recorded")
        else:
            a = f.action
            action = _("%(status)s; opened %(opened)s; due %(due)s") % {
                "status": words.status(a.status), "opened": _dt(a.opened_at), "due": day(a.due_on)}
            if a.resolved_at:
                action += _("; resolved %(time)s by %(person)s: %(note)s") % {
                    "time": _dt(a.resolved_at), "person": a.resolved_by, "note": a.note}
        prompt = text_of(meta, "prompt", f.criterion, f.prompt, versions.get(f.check_id))
        rows.append([day(f.date), _p(prompt), f.value, outcome_text(passed=False, met=f.awaiting_photo),
                     _yes(f.critical), _p(action)])
    out += [_table(rows, [18 * mm, 42 * mm, 20 * mm, 31 * mm, 13 * mm, 56 * mm]), PageBreak()]
    return out


def _evidence(pack: CompliancePack, meta: DocumentMeta) -> list:
    out: list = [Paragraph(_("Photo evidence"), STYLES["h1"]),
                 Paragraph(_("Thumbnails made when each photo was verified. Capture time comes from the photo "
                             "itself (EXIF) when it carries one; SHA-256 is the fingerprint of the original."),
                           STYLES["small"]), Spacer(1, 2 * mm)]
    if not pack.evidence:
        return [*out, Paragraph(_("No photo evidence in the period."), STYLES["body"]), PageBreak()]
    return [*out, _evidence_grid(sorted(pack.evidence, key=lambda e: (e.date or dt.date.min, e.uploaded_at)), meta),
            PageBreak()]


def _evidence_grid(evidence: list[PackEvidence], meta: DocumentMeta) -> LongTable:
    cells = [_evidence_cell(e, meta) for e in evidence]
    rows = [cells[i:i + THUMBS_PER_ROW] + [""] * (THUMBS_PER_ROW - len(cells[i:i + THUMBS_PER_ROW]))
            for i in range(0, len(cells), THUMBS_PER_ROW)]
    grid = LongTable(rows, colWidths=[FRAME_WIDTH / THUMBS_PER_ROW] * THUMBS_PER_ROW)
    grid.setStyle([("FONT", (0, 0), (-1, -1), FONT, 7.5), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8cdd4")),
                   ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)])
    return grid


def _visits(pack: CompliancePack) -> str:
    shops = sum(1 for a in pack.audits if a.anonymous)
    return _("%(audits)s audit(s), %(shops)s mystery shop(s)") % {"audits": len(pack.audits) - shops, "shops": shops}


def _flags(e: PackEvidence) -> list[str]:
    """The photo's trust flags, in words (printed in red under its thumbnail)."""
    flags = []
    if e.reused_from and e.reuse_kind:
        flags.append(_("REUSED (%(kind)s, %(score)s match; same as %(earlier)s)") % {
            "kind": words.reuse_kind(e.reuse_kind), "earlier": e.reused_from,
            "score": pct(e.reuse_score, 0)})
    elif e.reused_from:
        flags.append(_("REUSED (same as %(earlier)s)") % {"earlier": e.reused_from})
    if e.stale:
        flags.append(_("STALE capture"))
    if e.quality_issue == "blurred":
        flags.append(_("TOO BLURRED to show anything"))
    elif e.quality_issue == "dark":
        flags.append(_("TOO DARK to show anything"))
    if e.edited_with:
        flags.append(_("EDITED with %(software)s") % {"software": e.edited_with})
    if e.captured_after_upload:
        flags.append(_("CAPTURED AFTER its upload"))
    if e.far_from_site:
        flags.append(_("FAR FROM THE SITE (%(km)s km)") % {"km": number(e.gps_distance_m / 1000, 1)})
    if e.credentials and not e.credentials.get("valid"):
        flags.append(_("CONTENT CREDENTIALS DO NOT VALIDATE"))
    if e.status != "verified":
        flags.append(words.status(e.status).upper())
    return flags


def _credentials_line(e: PackEvidence) -> str:
    """Who signed the capture (C2PA), with what, when, and whether it validates; '' without content credentials."""
    c = e.credentials
    if not c:
        return ""
    parts = [_("Capture signed by %(signer)s") % {"signer": c.get("signer") or _("an unnamed signer")}]
    if c.get("issuer") and c.get("issuer") != c.get("signer"):
        parts.append(_("certificate from %(issuer)s") % {"issuer": c["issuer"]})
    if c.get("claim_generator"):
        parts.append(_("with %(software)s") % {"software": c["claim_generator"]})
    if c.get("signed_at"):
        parts.append(_("on %(time)s") % {"time": c["signed_at"]})
    if c.get("valid"):
        parts.append(_("signature valid") if c.get("trusted") else _("signature valid, signer not on a trust list"))
    else:
        parts.append(_("does not validate: %(errors)s") % {"errors": ", ".join(c.get("validation_errors") or [])})
    return "; ".join(parts)


def _evidence_cell(e: PackEvidence, meta: DocumentMeta) -> list:
    flags = _flags(e)
    sha = e.sha256 or "-"
    # Only a verified photo's hash was computed from its bytes; otherwise it is what the phone declared.
    declared = "" if e.hashed else _("declared: ")
    lines = [f"<b>{escape(text_of(meta, 'prompt', e.criterion, e.prompt))}</b> · {day(e.date)}"
             + (" · " + _("action") if e.for_action else ""),
             *_photo_times(e),
             # 5.5 pt: two lines of 32 characters fit the cell (at 6 pt they ran past its edge).
             f"<font face='Courier' size='5.5'>{declared}{sha[:32]}<br/>{sha[32:]}</font>"]
    if flags:
        lines.append(f"<font color='#b00020'><b>{escape(', '.join(flags))}</b></font>")
    if e.reused_from and e.reuse_detail:
        lines.append(escape(e.reuse_detail))
    if e.gps_distance_m is not None and not e.far_from_site:
        lines.append(escape(_("taken %(metres)s m from the site") % {"metres": e.gps_distance_m}))
    if credentials := _credentials_line(e):  # green only when the signature validates
        colour = "#1b5e20" if e.credentials.get("valid") else "#000000"
        lines.append(f"<font color='{colour}'>{escape(credentials)}</font>")
    caption = Paragraph("<br/>".join(lines), STYLES["small"])
    if e.thumbnail:
        return [image_flowable(e.thumbnail, (THUMB_BOX, THUMB_BOX * 0.75)), caption]
    return [Paragraph(_("<i>no thumbnail: listed only</i>"), STYLES["small"]), caption]


def _photo_times(e: PackEvidence) -> list[str]:
    if e.day_only:  # a mystery shop's photo: the hour would point at the shopper
        return [_("captured on %(day)s") % {"day": day(e.captured_at)},
                _("uploaded on %(day)s") % {"day": day(e.uploaded_at)}]
    return [_("captured %(time)s") % {"time": _dt(e.captured_at)}, _("uploaded %(time)s") % {"time": _dt(e.uploaded_at)}]


def _manifest(pack: CompliancePack, meta: DocumentMeta) -> list:
    current = [c for c in pack.checks if c.is_current]
    results = sum(len(c.results) for c in current)
    audit_photos = [e for a in pack.audits for e in a.evidence]
    summary = _table([
        [_("Item"), _("Count")],
        [_("Checks received (incl. superseded)"), str(len(pack.checks))],
        [_("Current checks"), str(len(current))],
        [_("Amended checks (superseded)"), str(sum(1 for c in pack.checks if not c.is_current))],
        [_("Results in current checks"), str(results)],
        [_("Failures"), str(len(pack.failures))],
        [_("Corrective actions"), str(sum(1 for f in pack.failures if f.action))],
        [_("Missed days"), str(len(pack.missed_days))],
        [_("Photo evidence"), str(len(pack.evidence))],
        [_("Audits and mystery shops"), str(len(pack.audits))],
        [_("Photos of audits and mystery shops"), str(len(audit_photos))],
        [_("Customer feedback responses"), str(pack.feedback.total.responses if pack.feedback else 0)],
        [_("Thumbnails embedded"), str(sum(1 for e in [*pack.evidence, *audit_photos] if e.thumbnail))],
    ], [90 * mm, 30 * mm], long=False)
    rows = [["#", _("Evidence"), _("Criterion"), _("Day"), _("SHA-256 of the original")]]

    def declared(e: PackEvidence) -> str:
        if e.hashed:  # verified from its bytes, then rejected on review: the hash is the bytes'
            return _(" (%(status)s on review)") % {"status": words.status(e.status)}
        return _(" (%(status)s: hash as declared)") % {"status": words.status(e.status)}

    for i, e in enumerate(pack.evidence, start=1):
        # A photo not verified has only the hash its phone declared: said beside its criterion.
        prompt = text_of(meta, "prompt", e.criterion, e.prompt)
        criterion = prompt if e.status == "verified" else prompt + declared(e)
        rows.append([str(i), e.id[:8], _p(criterion), day(e.date), e.sha256 or "-"])
    for i, (audit, e) in enumerate(((a, e) for a in pack.audits for e in a.evidence), start=len(rows)):
        criterion = (f"{text_of(meta, 'prompt', e.criterion, e.prompt, audit.version)} "
                     f"({words.visit_kind(audit.kind, audit.kind_label).lower()} #{audit.id})")
        if e.status != "verified":
            criterion += declared(e)
        rows.append([str(i), e.id[:8], _p(criterion), day(e.date), e.sha256 or "-"])
    out = [CondPageBreak(80 * mm), Paragraph(_("Manifest"), STYLES["h1"]),
           Paragraph(escape(_("Compliance pack for %(site)s, %(period)s, run %(run)s.")
                            % {"site": pack.site_code, "period": meta.period, "run": meta.run_id or "-"}),
                     STYLES["body"]), Spacer(1, 2 * mm), summary, Spacer(1, 4 * mm)]
    if len(rows) > 1:
        out.append(_table(rows, [10 * mm, 18 * mm, 38 * mm, 20 * mm, 94 * mm],
                          extra=[("FONT", (4, 1), (4, -1), "Courier", 6.5)]))
    out.append(Spacer(1, 4 * mm))
    out.append(Paragraph(_("End of pack. The SHA-256 of this PDF is recorded by Touchpoint; any change to a single "
                           "byte makes verification fail."), STYLES["small"]))
    return out


__all__ = ["render_compliance_pack"]
