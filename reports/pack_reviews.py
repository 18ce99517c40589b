"""The compliance pack's section on photo review: every photo of the period that head office or an auditor
rejected (it no longer counts; the retake asked for, and whether it came) or cleared (its trust flag
accepted), with the reason, who decided and when. Read in one query when the pack is drawn, and drawn by
``photo_reviews_section`` (reports/rendering/compliance.py calls it once, after the photo evidence)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, LongTable, Paragraph, Spacer

from consistency.models import RetakeRequest
from consistency.selectors.review import site_reviews
from consistency.services.evidence import retakes
from sites.models import Site

from .rendering.common import STYLES, TABLE_BASE, zebra


@dataclass(frozen=True)
class PackReview:
    day: dt.date | None
    prompt: str
    evidence: str       # the photo's id (its first 8 characters name it in the manifest)
    sha256: str
    decision: str       # reject | clear
    reason: str
    decided_by: str
    decided_at: dt.datetime
    retake: str         # what became of the retake asked for ("" for a clearing)


def pack_reviews(*, site_code: str, date_from: dt.date, date_to: dt.date, tz: str,
                 now: dt.datetime | None = None) -> list[PackReview]:
    """The reviews of the site's photos of the period (the photo's day), oldest first, in the site's time."""
    site = Site.objects.filter(code=site_code).first()
    if site is None:
        return []
    zone, now = zoneinfo.ZoneInfo(tz), now or dt.datetime.now(dt.UTC)
    out = []
    for review in site_reviews(site=site, date_from=date_from, date_to=date_to):
        e = review.evidence
        try:
            retake = review.retake
        except RetakeRequest.DoesNotExist:
            retake = None
        out.append(PackReview(e.day, e.criterion.prompt, str(e.public_id), e.sha256, review.decision, review.reason,
                              review.decided_by.get_username(), review.decided_at.astimezone(zone),
                              _retake_text(retake, zone, now)))
    return out


def _retake_text(retake: RetakeRequest | None, zone, now) -> str:
    if retake is None:
        return ""
    status = retakes.status_of(retake, now)
    due = retake.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if status == "fulfilled":
        return _("retaken %(when)s (photo %(id)s)") % {
            "when": retake.fulfilled_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "id": str(retake.retake.public_id)[:8] if retake.retake_id else "-"}
    if status == "overdue":
        return _("not retaken; was due %(due)s") % {"due": due}
    return _("asked for, due %(due)s") % {"due": due}


def photo_reviews_section(pack) -> list:
    """The section's flowables for a ``CompliancePack``: a table of the reviews, or a line saying there were none."""
    reviews = pack_reviews(site_code=pack.site_code, date_from=pack.date_from, date_to=pack.date_to, tz=pack.timezone)
    out: list = [CondPageBreak(50 * mm), Paragraph(_("Photo reviews"), STYLES["h1"]),
                 Paragraph(_("Photos of the period that head office or an auditor rejected (they no longer count: the "
                             "criterion they supported was judged again without them, and a retake was asked for) or "
                             "cleared (a trust flag looked at and accepted). Rejected photos stay on "
                             "record, listed above with their fingerprint."), STYLES["small"]), Spacer(1, 2 * mm)]
    if not reviews:
        return [*out, Paragraph(_("No photo of the period was reviewed."), STYLES["body"]), Spacer(1, 4 * mm)]
    rows = [[_("Day"), _("Criterion"), _("Photo"), _("Decision"), _("Reason"), _("By, when"), _("Retake")]]
    for r in reviews:
        decision = _("REJECTED") if r.decision == "reject" else _("CLEARED")
        rows.append([r.day.isoformat() if r.day else "-", _cell(r.prompt), r.evidence[:8], decision, _cell(r.reason),
                     _cell(f"{r.decided_by}, {r.decided_at:%Y-%m-%d %H:%M %z}"), _cell(r.retake or "-")])
    table = LongTable(rows, colWidths=[18 * mm, 32 * mm, 16 * mm, 18 * mm, 40 * mm, 28 * mm, 28 * mm], repeatRows=1)
    table.setStyle([*TABLE_BASE, *zebra(len(rows))])
    return [*out, table, Spacer(1, 4 * mm)]


def _cell(text: str) -> Paragraph:
    return Paragraph(escape(text), STYLES["cell"])
