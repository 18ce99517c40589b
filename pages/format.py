"""How the pages write the engine's numbers: rates as percentages with one decimal, trends in percentage
points. Formatting only: every number is the engine's, rounded for reading."""

from __future__ import annotations

MINUS = "\u2212"  # a real minus sign: reads as one, and does not wrap away from its number


def pct(rate: float | None) -> str:
    """0.8734 -> "87.3%"; None (nothing expected) -> "–"."""
    if rate is None:
        return "\u2013"
    return f"{number(rate)}%"


def number(rate: float | None) -> str:
    """0.8734 -> "87.3": a rate as a percentage without its sign (the heat map's cells)."""
    if rate is None:
        return "\u2013"
    return f"{rate * 100:.1f}"


def interval(bounds: tuple[float, float] | list[float] | None) -> str:
    """(0.841, 0.902) -> "84.1–90.2%"."""
    if not bounds:
        return ""
    low, high = bounds
    return f"{low * 100:.1f}\u2013{high * 100:.1f}%"


def points(delta: float | None) -> str:
    """A change of rate in percentage points: +0.021 -> "+2.1 pts", None -> "–" (nothing to compare with)."""
    if delta is None:
        return "\u2013"
    value = round(delta * 100, 1)
    if value == 0:
        return "0.0 pts"
    return f"{'+' if value > 0 else MINUS}{abs(value):.1f} pts"


def direction(delta: float | None) -> str:
    """"up", "down", "same" or "" (no previous period): said in words as well as shown by an arrow."""
    if delta is None:
        return ""
    value = round(delta * 100, 1)
    return "up" if value > 0 else "down" if value < 0 else "same"


def index_points(delta: float | None) -> str:
    """A change of the consistency index (0..100), one decimal."""
    if delta is None:
        return "\u2013"
    value = round(delta, 1)
    if value == 0:
        return "0.0"
    return f"{'+' if value > 0 else MINUS}{abs(value):.1f}"


def points_interval(low: float | None, high: float | None) -> str:
    """A gap's interval in percentage points: (-0.031, 0.12) -> "−3.1 to +12.0 pts"; "" without one."""
    if low is None or high is None:
        return ""
    return f"{points(low).removesuffix(' pts')} to {points(high)}"


def coefficient(r: float | None) -> str:
    """A correlation coefficient, two decimals with a real minus: -0.4213 -> "−0.42"; None -> "–"."""
    if r is None:
        return "\u2013"
    value = round(r, 2)
    return f"{MINUS if value < 0 else ''}{abs(value):.2f}"


def count(n: int | None) -> str:
    """A count with thousands separated: 12345 -> "12,345"."""
    if n is None:
        return "\u2013"
    return f"{n:,}"
