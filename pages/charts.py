"""Charts drawn on the server as SVG: no JavaScript, no library at run time, nothing fetched.

Hand-written rather than a library: the pages must work offline and without a build step, and the server-side
SVG chart libraries on PyPI (pygal is the well-known one) add a tooltip script fetched from a CDN by default,
name the chart for screen readers poorly and have no interval bars on a line; what is needed here (points,
interval bars, one comparison line, two axes, a legend) is a hundred lines of markup we can keep accessible.

The numbers are drawn, never computed: the caller passes the engine's scores and intervals (0..1).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext

from .format import whole_pct

WIDTH, HEIGHT = 800, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 40, 44
SITE_COLOUR = "#1f5fa8"    # blue and orange: told apart with every common colour-vision deficiency,
MEDIAN_COLOUR = "#a34f00"  # and by shape too (dots and a solid line; squares and a dashed line)
INK, GRID = "#333333", "#d4d4d4"
MAX_X_LABELS = 8


@dataclass(frozen=True)
class Point:
    start: dt.date                 # the week's first day (its label)
    end: dt.date
    score: float | None            # 0..1; None: nothing expected that week (no point drawn)
    low: float
    high: float
    median: float | None           # the network's median that week


def _pct(value: float) -> str:
    return whole_pct(value)


def _day(d: dt.date) -> str:
    return date_format(d, pgettext("a date: day and short month (Django's date format)", "j M"))


def score_chart(points: list[Point], *, site_name: str, chart_id: str = "score-chart",
                median_label: str = "Network median") -> SafeString:
    """An SVG line of weekly scores with their 95% intervals, and the network median beside it."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(points)

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / n if n else plot_w / 2)

    floor = _floor(points)

    def y(v: float) -> float:
        return TOP + plot_h * (1.0 - (max(v, floor) - floor) / (1.0 - floor))

    scored = [p for p in points if p.score is not None]
    desc = _description(points, scored, site_name, median_label)
    title = gettext("%(site)s: weekly score, %(start)s to %(end)s") % {
        "site": site_name, "start": _day(points[0].start), "end": _day(points[-1].end)} if points \
        else gettext("%(site)s: weekly score") % {"site": site_name}
    out = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
           f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
           f'<title id="{chart_id}-title">{escape(title)}</title>',
           f'<desc id="{chart_id}-desc">{escape(desc)}</desc>']
    # Axes and grid: five ticks from the floor to 100%.
    out.append('<g class="axis y" aria-hidden="true">')
    for tick in _ticks(floor):
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{INK}" '
                   f'font-size="13">{_pct(tick)}</text>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="{INK}"/>')
    out.append('</g><g class="axis x" aria-hidden="true">')
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="{INK}"/>')
    every = max(1, -(-n // MAX_X_LABELS))
    for i, p in enumerate(points):
        if i % every == 0 or i == n - 1:
            out.append(f'<text x="{x(i):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" fill="{INK}" '
                       f'font-size="13">{escape(_day(p.start))}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" fill="{INK}" '
               f'font-size="13">{escape(gettext("Week starting"))}</text></g>')
    # The network median: a dashed line with squares.
    medians = [(x(i), y(p.median)) for i, p in enumerate(points) if p.median is not None]
    out.append('<g class="median" aria-hidden="true">')
    if len(medians) > 1:
        out.append(f'<polyline fill="none" stroke="{MEDIAN_COLOUR}" stroke-width="2" stroke-dasharray="6 4" '
                   f'points="{_path(medians)}"/>')
    for mx, my in medians:
        out.append(f'<rect class="median-point" x="{mx - 4:.1f}" y="{my - 4:.1f}" width="8" height="8" '
                   f'fill="{MEDIAN_COLOUR}"/>')
    out.append('</g>')
    # The site: its interval bars, a solid line and dots; each point names its numbers on hover.
    out.append('<g class="site">')
    line = [(x(i), y(p.score)) for i, p in enumerate(points) if p.score is not None]
    if len(line) > 1:
        out.append(f'<polyline fill="none" stroke="{SITE_COLOUR}" stroke-width="2.5" points="{_path(line)}" '
                   'aria-hidden="true"/>')
    for i, p in enumerate(points):
        if p.score is None:
            continue
        cx, lo, hi = x(i), y(p.low), y(p.high)
        label = (gettext("Week of %(day)s: %(score)s (95%% interval %(low)s to %(high)s)") % {
            "day": _day(p.start), "score": _pct(p.score), "low": _pct(p.low), "high": _pct(p.high)}
                 + (f"; {median_label.lower()} {_pct(p.median)}" if p.median is not None else ""))
        out.append(f'<g class="point" data-week="{p.start.isoformat()}"><title>{escape(label)}</title>'
                   f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{lo:.1f}" y2="{hi:.1f}" stroke="{SITE_COLOUR}" '
                   f'stroke-width="1.5"/>'
                   f'<line x1="{cx - 5:.1f}" x2="{cx + 5:.1f}" y1="{lo:.1f}" y2="{lo:.1f}" stroke="{SITE_COLOUR}"/>'
                   f'<line x1="{cx - 5:.1f}" x2="{cx + 5:.1f}" y1="{hi:.1f}" y2="{hi:.1f}" stroke="{SITE_COLOUR}"/>'
                   f'<circle cx="{cx:.1f}" cy="{y(p.score):.1f}" r="4.5" fill="{SITE_COLOUR}" stroke="#fff"/></g>')
    out.append('</g>')
    out.append(_legend(median_label if medians else None))
    out.append('</svg>')
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped; the rest is our own markup


def _floor(points: list[Point]) -> float:
    """Where the score axis starts: 0, or a round 10% below everything drawn when all of it is high, so that
    weeks of 91% and 95% do not look alike. The axis labels say where it starts."""
    drawn = [v for p in points for v in ((p.low, p.score) if p.score is not None else ()) + (
        (p.median,) if p.median is not None else ())]
    if not drawn:
        return 0.0
    floor = min(max(math.floor(min(drawn) * 10 - 0.5) / 10, 0.0), 0.8)  # 5 points of room below the lowest
    return floor if floor >= 0.5 else math.floor(floor * 5) / 5  # a multiple of 20% under 50%


def _ticks(floor: float) -> list[float]:
    step = 0.1 if floor >= 0.5 else 0.2 if floor > 0 else 0.25
    count = round((1.0 - floor) / step)
    return [floor + step * k for k in range(count + 1)]


def _legend(median_label: str | None) -> str:
    site = ('<g class="legend" aria-hidden="true">'
            f'<line x1="{LEFT}" x2="{LEFT + 24}" y1="16" y2="16" stroke="{SITE_COLOUR}" stroke-width="2.5"/>'
            f'<circle cx="{LEFT + 12}" cy="16" r="4.5" fill="{SITE_COLOUR}"/>'
            f'<text x="{LEFT + 32}" y="20" fill="{INK}" font-size="13">'
            f'{escape(gettext("This site, with its 95% interval"))}</text>')
    if median_label is None:  # no network beside the site (a manager of one site)
        return site + "</g>"
    return (site +
            f'<line x1="{LEFT + 250}" x2="{LEFT + 274}" y1="16" y2="16" stroke="{MEDIAN_COLOUR}" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
            f'<rect x="{LEFT + 258}" y="12" width="8" height="8" fill="{MEDIAN_COLOUR}"/>'
            f'<text x="{LEFT + 282}" y="20" fill="{INK}" font-size="13">{escape(median_label)}</text></g>')


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in points)


def _description(points: list[Point], scored: list[Point], site_name: str, median_label: str) -> str:
    if not scored:
        return gettext("No week of the period had anything expected of %(site)s.") % {"site": site_name}
    low = min(scored, key=lambda p: p.score)
    high = max(scored, key=lambda p: p.score)
    last = scored[-1]
    text = (ngettext("%(count)s weekly point.", "%(count)s weekly points.", len(scored)) % {"count": len(scored)}
            + " " + gettext("Latest, week of %(day)s: %(score)s.") % {"day": _day(last.start),
                                                                      "score": _pct(last.score)}
            + " " + gettext("Lowest %(low)s (week of %(low_day)s), highest %(high)s (week of %(high_day)s).") % {
                "low": _pct(low.score), "low_day": _day(low.start), "high": _pct(high.score),
                "high_day": _day(high.start)})
    if last.median is not None:
        text += " " + gettext("%(median)s that week: %(score)s.") % {"median": median_label,
                                                                    "score": _pct(last.median)}
    return text + " " + gettext("The table below the chart lists every week.")
