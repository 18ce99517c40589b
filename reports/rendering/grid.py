"""A lean table flowable for the long tables of the variance report (1,000-row league tables, heat maps,
a page per site).

Why not platypus ``LongTable``: measured here, a LongTable cell costs ~70 µs to lay out and draw
(per-cell style resolution, one text object per cell), so the 1,000-site report spent 15 s in table
cells alone. ``Grid`` draws plain one-line string cells: fixed row height, one text object per page
fragment (written as one literal block), rectangles for fills and one path for the rules, a few µs a cell. Like a LongTable with
``repeatRows=1`` it splits across pages and repeats its header row on every page.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.platypus import Flowable, Image

from .common import FONT, FONT_BOLD, GRID, HEADER_BG, ZEBRA

Fill = Callable[[int, int], colors.Color | None]  # (row index in ``rows``, column) -> background or None
PAD = 3  # points between a cell's text and its rules


class Grid(Flowable):
    """``wrap_header``: header cells wider than their column are wrapped onto more lines (the header row grows)
    instead of running into the next column; a word wider than its column is hyphenated."""

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], *,
                 align: str | Sequence[str] = "L", fill: Fill | None = None, font_size: float = 7.5,
                 row_height: float | None = None, offset: int = 0, wrap_header: bool = False):
        super().__init__()
        self.header, self.rows, self.widths = list(header), rows, list(widths)
        self.align = list(align) if len(align) > 1 else [align[0]] * len(self.widths)
        self.fill, self.font_size = fill, font_size
        self.row_height = row_height or font_size + 4
        self.offset = offset  # index of rows[0] in the caller's full list (for ``fill``)
        self.wrap_header = wrap_header
        self.header_lines = ([wrap_text(str(text), w - 2 * PAD, FONT_BOLD, font_size)
                              for text, w in zip(self.header, self.widths, strict=True)] if wrap_header
                             else [[str(text)] for text in self.header])
        lines = max((len(cell) for cell in self.header_lines), default=1)
        self.header_height = self.row_height + (lines - 1) * (font_size + 1)

    def wrap(self, availWidth, availHeight):
        self.width = sum(self.widths)
        self.height = self.header_height + self.row_height * len(self.rows)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        fits = int((availHeight - self.header_height) // self.row_height)  # under the repeated header
        if fits < 1 or fits >= len(self.rows):
            return [] if fits < 1 else [self]
        kw = dict(align=self.align, fill=self.fill, font_size=self.font_size, row_height=self.row_height,
                  wrap_header=self.wrap_header)
        return [Grid(self.header, self.rows[:fits], self.widths, offset=self.offset, **kw),
                Grid(self.header, self.rows[fits:], self.widths, offset=self.offset + fits, **kw)]

    def draw(self):
        c = self.canv
        h, width, n = self.row_height, sum(self.widths), len(self.rows)
        top, head = self.height, self.header_height
        xs = [0.0]
        for w in self.widths:
            xs.append(xs[-1] + w)

        def row_top(r: int) -> float:  # top edge of body row r
            return top - head - h * r

        c.saveState()
        c.setFillColor(HEADER_BG)
        c.rect(0, top - head, width, head, stroke=0, fill=1)
        c.setFillColor(ZEBRA)
        for r in range(1, n, 2):
            c.rect(0, row_top(r + 1), width, h, stroke=0, fill=1)
        if self.fill is not None:
            for r in range(n):
                for col in range(len(self.widths)):
                    colour = self.fill(self.offset + r, col)
                    if colour is not None:
                        c.setFillColor(colour)
                        c.rect(xs[col], row_top(r + 1), self.widths[col], h, stroke=0, fill=1)
        # All rules as one path.
        path = c.beginPath()
        for y in (top, *(row_top(r) for r in range(n + 1))):
            path.moveTo(0, y)
            path.lineTo(width, y)
        for x in xs:
            path.moveTo(x, top)
            path.lineTo(x, row_top(n))
        c.setStrokeColor(GRID)
        c.setLineWidth(0.25)
        c.drawPath(path, stroke=1, fill=0)
        # All text as one literal text block: header in bold white, then the rows.
        ops = ["BT", "1 1 1 rg"]
        baseline = (h - self.font_size) / 2 + 1.5
        # A wrapped header: every column's first line on the first line, the next ones below it.
        for line in range(max(len(cell) for cell in self.header_lines) if self.header_lines else 0):
            cells = [cell[line] if line < len(cell) else "" for cell in self.header_lines]
            self._row(ops, cells, xs, top - h + baseline - line * (self.font_size + 1), FONT_BOLD)
        ops.append("0 0 0 rg")
        for r, row in enumerate(self.rows):
            self._row(ops, row, xs, row_top(r + 1) + baseline, FONT)
        ops.append("ET")
        # addLiteral is in the canvas' coordinate system after the flowable's translate.
        c.addLiteral("\n".join(ops))
        c.restoreState()

    def _row(self, ops: list[str], cells, xs, y, font):
        size = self.font_size
        doc = self.canv._doc
        face = getFont(font)
        ascii_subset = face.getSubsetInternalName(0, doc)  # printable ASCII is always subset 0, as itself
        current = None  # the font subset selected last (Tf): a TrueType font is written as 256-glyph subsets
        for col, value in enumerate(cells):
            if not value:
                continue
            value = str(value)
            align = self.align[col]
            if align == "L":
                x = xs[col] + PAD
            else:
                w = _width(value, font, size)
                x = xs[col + 1] - PAD - w if align == "R" else (xs[col] + xs[col + 1] - w) / 2
            ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")
            # What the canvas' text object does for a TrueType font, without its per-call overhead; most cells
            # are plain ASCII (numbers, codes), which need no subset lookup (a no-break space prints as a space).
            text = value.replace("\xa0", " ")
            if text.isascii() and text.isprintable():
                chunks = ((ascii_subset, text.encode("ascii")),)
            else:
                chunks = ((face.getSubsetInternalName(subset, doc), chunk)
                          for subset, chunk in face.splitString(text, doc))
            for name, chunk in chunks:
                if name != current:
                    ops.append(f"{name} {size:g} Tf")
                    current = name
                ops.append(f"({escapePDF(chunk)}) Tj")


@lru_cache(maxsize=65536)
def _width(value: str, font: str, size: float) -> float:
    return stringWidth(value, font, size)


def wrap_text(text: str, width: float, font: str, size: float) -> list[str]:
    """``text`` in lines no wider than ``width``, broken between words; a key (``phone_rings_to_answer``) is
    broken only after an underscore, never inside one of its words; a word wider than the column is cut with
    a hyphen (a column of a few millimetres still shows every letter)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        parts = re.findall(r"[^_]+_*|_+", word)  # "phone_rings_to_answer": "phone_", "rings_", "to_", "answer"
        for part in parts[:-1]:
            if line and _width(line + part, font, size) > width:
                lines.append(line)
                line = ""
            line += part
        word = parts[-1] if parts else word
        if line and _width(line + word, font, size) <= width:
            word, line = line + word, ""
        elif line:
            lines.append(line)
            line = ""
        while _width(word, font, size) > width and len(word) > 1:
            cut = 1
            while cut < len(word) - 1 and _width(word[:cut + 1] + "-", font, size) <= width:
                cut += 1
            lines.append(word[:cut] + "-")
            word = word[cut:]
        line = word
    if line or not lines:
        lines.append(line)
    return lines


class Line(Flowable):
    """One line of unwrapped text: a Paragraph costs ~0.5 ms to lay out, this ~20 µs (a page per site)."""

    def __init__(self, text: str, *, font: str = FONT, size: float = 8, space_before: float = 2,
                 space_after: float = 2):
        super().__init__()
        self.text, self.font, self.size = text, font, size
        self.space_before, self.space_after = space_before, space_after

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, self.size * 1.25
        return self.width, self.height

    def getSpaceBefore(self):
        return self.space_before

    def getSpaceAfter(self):
        return self.space_after

    def draw(self):
        self.canv.setFont(self.font, self.size)
        self.canv.drawString(0, self.size * 0.25, self.text)


class _JpegSource:
    """What reportlab's image XObject needs to embed a JPEG as it is (``jpeg_fh``), named by its
    digest so drawImage never decodes it: given an ImageReader, drawImage decodes every pixel just to
    name the image (measured: 200 photos, 6.8 s and 900 MB instead of well under a second)."""

    def __init__(self, data: bytes):
        self.data, self.digest = data, hashlib.sha256(data).hexdigest()

    def jpeg_fh(self):
        return io.BytesIO(self.data)

    def __str__(self) -> str:
        return f"jpeg:{self.digest}"


class JpegImage(Flowable):
    """A stored JPEG thumbnail fitted into a box, embedded byte for byte (DCT passthrough)."""

    def __init__(self, data: bytes, pixel_size: tuple[int, int], box: tuple[float, float]):
        super().__init__()
        w, h = pixel_size
        scale = min(box[0] / w, box[1] / h)
        self.draw_width, self.draw_height = w * scale, h * scale
        self.source = _JpegSource(data)

    def wrap(self, availWidth, availHeight):
        return self.draw_width, self.draw_height

    def draw(self):
        self.canv.drawImage(self.source, 0, 0, self.draw_width, self.draw_height)


def image_flowable(data: bytes, box: tuple[float, float]) -> Flowable:
    """JPEGs are passed through; anything else (rare: PNG) goes through reportlab's own Image."""
    with PILImage.open(io.BytesIO(data)) as im:  # reads the header only
        fmt, size = im.format, im.size
    if fmt == "JPEG":
        return JpegImage(data, size, box)
    return Image(io.BytesIO(data), width=box[0], height=box[1], kind="proportional")


def fit_text(text: str, width: float, font: str, size: float) -> str:
    """``text`` on one line no wider than ``width``: whole if it fits, else cut after a word with an ellipsis."""
    if _width(text, font, size) <= width:
        return text
    words = text.split()
    while words:
        words.pop()
        short = " ".join(words).rstrip(",;:(") + "\u2026"
        if words and _width(short, font, size) <= width:
            return short
    while text and _width(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text + "\u2026"
