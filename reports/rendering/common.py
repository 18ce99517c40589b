"""Styles, page furniture and small formatting helpers shared by both PDFs."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

Progress = Callable[[int], None]

PAGE = A4
MARGIN = 15 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN

_base = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle("tp-title", parent=_base["Title"], fontSize=26, leading=32, spaceAfter=12),
    "subtitle": ParagraphStyle("tp-subtitle", parent=_base["Heading2"], alignment=TA_CENTER, spaceAfter=6),
    "h1": ParagraphStyle("tp-h1", parent=_base["Heading1"], fontSize=16, leading=20, spaceAfter=6),
    "h2": ParagraphStyle("tp-h2", parent=_base["Heading2"], fontSize=12, leading=15, spaceBefore=6, spaceAfter=4),
    "body": ParagraphStyle("tp-body", parent=_base["BodyText"], fontSize=9, leading=12),
    "small": ParagraphStyle("tp-small", parent=_base["BodyText"], fontSize=7.5, leading=9.5),
    "cell": ParagraphStyle("tp-cell", parent=_base["BodyText"], fontSize=7.5, leading=9),
    "mono": ParagraphStyle("tp-mono", parent=_base["Code"], fontSize=7, leading=9),
}

HEADER_BG = colors.HexColor("#1f3a5f")
GRID = colors.HexColor("#c8cdd4")
ZEBRA = colors.HexColor("#f3f5f8")

TABLE_BASE = [
    ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
    ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
    ("GRID", (0, 0), (-1, -1), 0.25, GRID),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
]


@dataclass
class DocumentMeta:
    """What identifies a document on every page: title, scope, period and the run that produced it."""

    title: str
    scope: str
    date_from: dt.date
    date_to: dt.date
    run_id: str = ""
    generated_at: dt.datetime | None = None
    versions: list[str] = field(default_factory=list)

    @property
    def period(self) -> str:
        return f"{self.date_from.isoformat()} to {self.date_to.isoformat()}"

    @property
    def footer(self) -> str:
        """One line of at most FOOTER_CHARS; a long scope (a region's or a site's name) is shortened, never the
        period or the run id by which the document is verified."""
        limit = FOOTER_CHARS
        run = f" · run {self.run_id}" if self.run_id else ""
        fixed = f"Touchpoint {self.title} ·  · {self.period}{run}"
        scope = self.scope if len(fixed) + len(self.scope) <= limit else self.scope[:max(0, limit - len(fixed) - 1)] + "…"
        return f"Touchpoint {self.title} · {scope} · {self.period}{run}"


FOOTER_CHARS = 160  # one line at 7 pt across the page


def pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def signed_pts(value: float | None) -> str:
    """A change of a rate, in percentage points."""
    return "-" if value is None else f"{value * 100:+.1f} pts"


def interval(low: float, high: float) -> str:
    return f"{low * 100:.1f}-{high * 100:.1f}%"


def rate_colour(rate: float | None) -> colors.Color:
    """Red (0) -> amber (0.5) -> green (1); grey when nothing was expected."""
    if rate is None:
        return colors.HexColor("#dddddd")
    rate = min(1.0, max(0.0, rate))
    if rate < 0.5:
        t = rate / 0.5
        return colors.Color(0.86, 0.24 + 0.5 * t, 0.2)
    t = (rate - 0.5) / 0.5
    return colors.Color(0.86 - 0.6 * t, 0.74 - 0.1 * t, 0.2 + 0.1 * t)


def zebra(rows: int, start: int = 1) -> list[tuple]:
    return [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(start + 1, rows, 2)]


class _Doc(SimpleDocTemplate):
    """Reports progress page by page while reportlab lays the story out (most of the render time)."""

    on_page: Callable[[int], None] | None = None

    def afterPage(self):
        if self.on_page is not None:
            self.on_page(self.page)


def build(story: list, meta: DocumentMeta, *, subject: str = "", on_page: Callable[[int], None] | None = None) -> bytes:
    buf = io.BytesIO()

    def furniture(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, 8 * mm, meta.footer)
        canvas.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"page {doc.page}")
        canvas.restoreState()

    doc = _Doc(
        buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
        title=f"Touchpoint {meta.title}: {meta.scope}, {meta.period}", author="Touchpoint",
        subject=subject or meta.footer, keywords=f"touchpoint,run:{meta.run_id}",
        creator="Touchpoint",
    )
    doc.on_page = on_page
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return buf.getvalue()


class Stepper:
    """Reports progress as the story is assembled, at most once per whole percent step."""

    def __init__(self, progress: Progress | None, start: int, end: int, total: int):
        self.progress, self.start, self.end, self.total = progress, start, end, max(total, 1)
        self.last = -1

    def __call__(self, done: int) -> None:
        if self.progress is None:
            return
        value = self.start + (self.end - self.start) * done // self.total
        if value >= self.last + 5 or done >= self.total:
            if value != self.last:
                self.last = value
                self.progress(value)
