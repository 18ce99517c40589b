"""Styles, page furniture, the embedded font and the small formatting helpers shared by both PDFs.

Text is set in DejaVu Sans Condensed, shipped in reports/fonts/ (with its licence) and embedded in every PDF as
subsets of the glyphs used: every name prints (accents, Māori macrons, the euro sign) whatever fonts the
machine or the reader has; the standard 14 fonts' WinAnsi encoding printed "?" for a macron. Condensed: its
widths are within a few per cent of Helvetica's, which the tables' columns were measured for.

The words are Django's gettext, in the language active while the document is built (the runner renders a run
in its ``language``); numbers, percentages and dates are written as that language writes them (:func:`number`,
:func:`pct`, :func:`day`). English reads exactly as before: ISO dates, a decimal point.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import dateformat, formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import SimpleDocTemplate

from consistency.selectors.standard import StandardTexts

Progress = Callable[[int], None]

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC = "TP-Sans", "TP-Sans-Bold", "TP-Sans-Oblique", "TP-Sans-BoldOblique"
_FONT_FILES = {FONT: "DejaVuSansCondensed.ttf", FONT_BOLD: "DejaVuSansCondensed-Bold.ttf",
               FONT_ITALIC: "DejaVuSansCondensed-Oblique.ttf", FONT_BOLD_ITALIC: "DejaVuSansCondensed-BoldOblique.ttf"}


def _register_fonts() -> None:
    """Register the shipped TrueType fonts once per process, and the family so that <b> and <i> find them."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in _FONT_FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC)


_register_fonts()

PAGE = A4
MARGIN = 15 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN

_base = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle("tp-title", parent=_base["Title"], fontName=FONT_BOLD, fontSize=26, leading=32,
                            spaceAfter=12),
    "subtitle": ParagraphStyle("tp-subtitle", parent=_base["Heading2"], fontName=FONT_BOLD, alignment=TA_CENTER,
                               spaceAfter=6),
    "h1": ParagraphStyle("tp-h1", parent=_base["Heading1"], fontName=FONT_BOLD, fontSize=16, leading=20,
                         spaceAfter=6),
    "h2": ParagraphStyle("tp-h2", parent=_base["Heading2"], fontName=FONT_BOLD, fontSize=12, leading=15,
                         spaceBefore=6, spaceAfter=4),
    "body": ParagraphStyle("tp-body", parent=_base["BodyText"], fontName=FONT, fontSize=9, leading=12),
    "small": ParagraphStyle("tp-small", parent=_base["BodyText"], fontName=FONT, fontSize=7.5, leading=9.5),
    "cell": ParagraphStyle("tp-cell", parent=_base["BodyText"], fontName=FONT, fontSize=7.5, leading=9),
    "mono": ParagraphStyle("tp-mono", parent=_base["Code"], fontSize=7, leading=9),
}

HEADER_BG = colors.HexColor("#1f3a5f")
GRID = colors.HexColor("#c8cdd4")
ZEBRA = colors.HexColor("#f3f5f8")

TABLE_BASE = [
    ("FONT", (0, 0), (-1, -1), FONT, 7.5),
    ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7.5),
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
    # The standard's texts (touch point names, whys, criterion prompts) in the document's language; None: the
    # texts the data carries (the standard's own language).
    texts: StandardTexts | None = None

    @property
    def period(self) -> str:
        return _("%(from)s to %(to)s") % {"from": day(self.date_from), "to": day(self.date_to)}

    @property
    def footer(self) -> str:
        """One line of at most FOOTER_CHARS; a long scope (a region's or a site's name) is shortened, never the
        period or the run id by which the document is verified."""
        limit = FOOTER_CHARS
        run = " · " + _("run %(id)s") % {"id": self.run_id} if self.run_id else ""
        fixed = f"Touchpoint {self.title} ·  · {self.period}{run}"
        scope = self.scope if len(fixed) + len(self.scope) <= limit else self.scope[:max(0, limit - len(fixed) - 1)] + "…"
        return f"Touchpoint {self.title} · {scope} · {self.period}{run}"


def text_of(meta: DocumentMeta | None, kind: str, key: str, own: str, version: int | None = None) -> str:
    """A touch point's "name" or "why", or a criterion's "prompt", in the document's language (``own``, the text
    the data carries, when the document has no texts or they lack the key)."""
    return meta.texts.get(kind, key, own, version) if meta is not None and meta.texts is not None else own


FOOTER_CHARS = 160  # one line at 7 pt across the page


@dataclass(frozen=True)
class CellWords:
    """How the active language writes what fills a table's cells by the thousand: a number, a percentage, a
    change in points, an interval, and a place against the network (below, above)."""

    decimal: str
    percent: str
    points: str
    interval: str
    flags: dict[str, str]
    versus: dict[str, str]

    @classmethod
    def active(cls) -> CellWords:
        return cls(decimal=formats.get_format("DECIMAL_SEPARATOR"), percent=_("%(number)s%%"),
                   points=_("%(number)s pts"), interval=_("%(low)s-%(high)s%%"),
                   flags={"below": _("below"), "above": _("above")},
                   versus={"below": _("below (flagged)"), "above": _("above")})


# A document asks for these a few hundred thousand times (a 1,000-site report): read once per document
# (:func:`cell_words`), not through gettext for every cell.
_CELL_WORDS: ContextVar[CellWords | None] = ContextVar("report_cell_words", default=None)


@contextmanager
def cell_words():
    """The active language's :class:`CellWords`, read once, for the numbers written inside the block."""
    token = _CELL_WORDS.set(CellWords.active())
    try:
        yield
    finally:
        _CELL_WORDS.reset(token)


def cell_words_now() -> CellWords:
    """The words of the document being written (or of the active language, outside one)."""
    return _CELL_WORDS.get() or CellWords.active()


def _words() -> CellWords:
    return _CELL_WORDS.get() or CellWords.active()


def number(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals, with the language's decimal separator ("92.9", "92,9")."""
    text = f"{value:.{digits}f}"
    return text.replace(".", _words().decimal) if digits else text


def signed(value: float, digits: int) -> str:
    text = f"{value:+.{digits}f}"
    return text.replace(".", _words().decimal) if digits else text


def pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else _words().percent % {"number": number(value * 100, digits)}


def signed_pts(value: float | None) -> str:
    """A change of a rate, in percentage points."""
    return "-" if value is None else _words().points % {"number": signed(value * 100, 1)}


def interval(low: float, high: float) -> str:
    return _words().interval % {"low": number(low * 100, 1), "high": number(high * 100, 1)}


def interval_95() -> str:
    """The heading of a column of 95% intervals."""
    return _("%(level)s interval") % {"level": pct(0.95, 0)}


def day(value: dt.date | dt.datetime | None) -> str:
    """A date as the document's language writes it in a report (English: ISO, 2026-03-01)."""
    return dateformat.format(value, pgettext("a date in a PDF report (Django date format)", "Y-m-d")) if value else "-"


def moment(value: dt.datetime | None, *, seconds: bool = True, offset: bool = True) -> str:
    """A time with its date (and its UTC offset: the data hands over the site's local times)."""
    if not value:
        return "-"
    if seconds:
        fmt = pgettext("a time to the second in a PDF report (Django date format)", "Y-m-d H:i:s")
    else:
        fmt = pgettext("a time to the minute in a PDF report (Django date format)", "Y-m-d H:i")
    return dateformat.format(value, fmt) + (" " + value.strftime("%z") if offset else "")


def generated(value: dt.datetime | None) -> str:
    """When the document was made, in UTC."""
    return f"{moment(value, seconds=False, offset=False)} UTC" if value else "-"


def version_label(number_: int, effective_from: dt.date | None) -> str:
    """"v3 (from 2026-01-01)": a version and the day it took effect."""
    if effective_from is None:
        return f"v{number_}"
    return _("v%(number)s (from %(day)s)") % {"number": number_, "day": day(effective_from)}


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
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, 8 * mm, meta.footer)
        canvas.drawRightString(PAGE[0] - MARGIN, 8 * mm, _("page %(number)s") % {"number": doc.page})
        canvas.restoreState()

    doc = _Doc(
        buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
        title=f"Touchpoint {meta.title}: {meta.scope}, {meta.period}", author="Touchpoint",
        subject=subject or meta.footer, keywords=f"touchpoint,run:{meta.run_id}",
        creator="Touchpoint",
        initialFontName=FONT,  # else every page's preamble names Helvetica, which nothing is set in
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
