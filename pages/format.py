"""How the pages write the engine's numbers: rates as percentages with one decimal, trends in percentage
points. Formatting only: every number is the engine's, rounded for reading.

In the language of the request (the one :mod:`pages.language` activates): English writes "93.4%" and "12,345";
French "93,4 %" and "12 345", a decimal comma, and a narrow no-break space (U+202F) between thousands and before
the percent sign, as French typography has them (CLDR's). Every page number goes through here, so no template
or view writes its own."""

from __future__ import annotations

from typing import NamedTuple

from django.utils.translation import get_language, gettext, pgettext

from consistency.services.translation import supported

MINUS = "\u2212"  # a real minus sign: reads as one, and does not wrap away from its number
NNBSP = "\u202f"  # narrow no-break space: French thousands, and the space before "%"


class _Style(NamedTuple):
    decimal: str
    group: str
    percent: str


_STYLES = {"en": _Style(".", ",", "%"), "fr": _Style(",", NNBSP, f"{NNBSP}%")}


def _style() -> _Style:
    return _STYLES.get(supported(get_language()), _STYLES["en"])


def _fixed(value: float, places: int) -> str:
    """``value`` with ``places`` decimals and the language's decimal mark."""
    return f"{value:.{places}f}".replace(".", _style().decimal)


def _pts() -> str:
    return pgettext("percentage points, after a number", "pts")


def pct(rate: float | None) -> str:
    """0.8734 -> "87.3%"; None (nothing expected) -> "–"."""
    if rate is None:
        return "\u2013"
    return f"{number(rate)}{_style().percent}"


def whole_pct(rate: float) -> str:
    """0.8734 -> "87%": a chart's axis."""
    return f"{rate * 100:.0f}{_style().percent}"


def kilometres(metres: int | None) -> str:
    """1234 -> "1.2": a distance in metres as kilometres with one decimal; "" when unknown."""
    return "" if metres is None else _fixed(metres / 1000, 1)


def number(rate: float | None) -> str:
    """0.8734 -> "87.3": a rate as a percentage without its sign (the heat map's cells)."""
    if rate is None:
        return "\u2013"
    return _fixed(rate * 100, 1)


def interval(bounds: tuple[float, float] | list[float] | None) -> str:
    """(0.841, 0.902) -> "84.1–90.2%"."""
    if not bounds:
        return ""
    low, high = bounds
    return f"{_fixed(low * 100, 1)}\u2013{_fixed(high * 100, 1)}{_style().percent}"


def points(delta: float | None) -> str:
    """A change of rate in percentage points: +0.021 -> "+2.1 pts", None -> "–" (nothing to compare with)."""
    if delta is None:
        return "\u2013"
    value = round(delta * 100, 1)
    if value == 0:
        return f"{_fixed(0, 1)} {_pts()}"
    return f"{'+' if value > 0 else MINUS}{_fixed(abs(value), 1)} {_pts()}"


def direction(delta: float | None) -> str:
    """"up", "down", "same" or "" (no previous period): said in words as well as shown by an arrow."""
    if delta is None:
        return ""
    value = round(delta * 100, 1)
    return "up" if value > 0 else "down" if value < 0 else "same"


def index(value: float | None) -> str:
    """The consistency index (0..100), one decimal: 87.25 -> "87.2"; None -> "–"."""
    if value is None:
        return "\u2013"
    return _fixed(value, 1)


def spread(stddev: float) -> str:
    """A spread of rates (a standard deviation) in percentage points: 0.084 -> "8.4 pts"."""
    return f"{_fixed(stddev * 100, 1)} {_pts()}"


def index_points(delta: float | None) -> str:
    """A change of the consistency index (0..100), one decimal."""
    if delta is None:
        return "\u2013"
    value = round(delta, 1)
    if value == 0:
        return _fixed(0, 1)
    return f"{'+' if value > 0 else MINUS}{_fixed(abs(value), 1)}"


def points_interval(low: float | None, high: float | None) -> str:
    """A gap's interval in percentage points: (-0.031, 0.12) -> "−3.1 to +12.0 pts"; "" without one."""
    if low is None or high is None:
        return ""
    return gettext("%(low)s to %(high)s") % {"low": points(low).removesuffix(f" {_pts()}"), "high": points(high)}


def coefficient(r: float | None) -> str:
    """A correlation coefficient, two decimals with a real minus: -0.4213 -> "−0.42"; None -> "–"."""
    if r is None:
        return "\u2013"
    value = round(r, 2)
    return f"{MINUS if value < 0 else ''}{_fixed(abs(value), 2)}"


def count(n: int | None) -> str:
    """A count with thousands separated: 12345 -> "12,345" (French "12\u202f345")."""
    if n is None:
        return "\u2013"
    return f"{n:,}".replace(",", _style().group)
