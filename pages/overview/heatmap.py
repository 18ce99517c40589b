"""The heat map of sites x touch points: for each cell the engine's touch point rate, written as a number and
shown by a colour step of a colour-blind-safe sequential ramp (viridis), and the link to that site's page on
that touch point. Formatting only: the rate is the engine's (TouchPointVariance.pass_rate.rate).

The colour step is read off the number as written (one decimal), so a cell's colour and its number never
disagree at a step's edge. The text colour of each step is the one with enough contrast on it (WCAG AA, 4.5:1:
white on the four dark steps, black on the four light ones; tests/pages/test_overview_heatmap.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consistency.variance import SiteVariance, Spread

from ..format import number
from ..names import StandardNames

# (lowest percentage of the step, its label, background, text colour), worst first: viridis sampled at 8
# points. The steps are narrower at the top, where most sites are and where head office needs to tell
# 92% from 97%.
STEPS = (
    (0.0, _("below 50%"), "#440154", "#ffffff"),
    (50.0, _("50–60%"), "#46327e", "#ffffff"),
    (60.0, _("60–70%"), "#365c8d", "#ffffff"),
    (70.0, _("70–80%"), "#277f8e", "#ffffff"),
    (80.0, _("80–85%"), "#1fa187", "#000000"),
    (85.0, _("85–90%"), "#4ac16d", "#000000"),
    (90.0, _("90–95%"), "#a0da39", "#000000"),
    (95.0, _("95–100%"), "#fde725", "#000000"),
)


def step_of(text: str) -> int:
    """The colour step of a rate as written ("87.3")."""
    value = float(text)
    level = 0
    for i, (low, *_rest) in enumerate(STEPS):
        if value >= low:
            level = i
    return level


@dataclass(frozen=True)
class Cell:
    text: str               # the rate as written: "87.3", or "–" when the site was not expected to report it
    level: int | None       # colour step (STEPS), None for an empty cell
    key: str = ""           # the touch point's key
    href: str = ""          # the site's page on this touch point
    label: str = ""         # what a screen reader hears after the number


@dataclass(frozen=True)
class Column:
    key: str
    name: str
    network: Cell           # the network's rate on this touch point (Spread.network_rate)


@dataclass(frozen=True)
class Row:
    site: SiteVariance
    cells: list[Cell]


@dataclass(frozen=True)
class Group:
    region: str
    name: str
    rows: list[Row]


@dataclass(frozen=True)
class HeatMap:
    columns: list[Column]
    groups: list[Group]
    steps: tuple = STEPS


def cell_href(code: str, touch_point: str, period_query: str) -> str:
    """/app/sites/{code}/?touch_point=<key>&from=..&to=..#tp-<key>: the site page opens on that touch point."""
    key = quote(touch_point, safe="")
    return f"{reverse('pages:site', kwargs={'code': code})}?touch_point={key}&{period_query}#tp-{key}"


def _cell(rate: float | None, **link) -> Cell:
    if rate is None:
        return Cell("\u2013", None, **link)
    # The step of the number as written (one decimal), whichever decimal mark the language writes it with.
    return Cell(number(rate), step_of(f"{rate * 100:.1f}"), **link)


def heat_map(*, rows: list[SiteVariance], touch_points: list[Spread], region_names: dict[str, str],
             period_query: str, names: StandardNames | None = None) -> HeatMap:
    """The heat map of ``rows`` (the sites the table shows, in its order), grouped by region in order of first
    appearance, with one column per touch point the network reported on (the engine's touch_point_spread)."""
    names = names or StandardNames()
    columns = [Column(t.key, names.touch_point(t.key, t.name), _cell(t.network_rate, key=t.key)) for t in touch_points]
    groups: dict[str, list[Row]] = {}
    for site in rows:
        rates = {t.key: t.pass_rate.rate for t in site.touch_points}
        cells = []
        for col in columns:
            rate = rates.get(col.key)
            label = (gettext("%% %(touch_point)s at %(site)s") if rate is not None
                     else gettext("%(touch_point)s at %(site)s: not expected")) % {"touch_point": col.name,
                                                                                  "site": site.code}
            cells.append(_cell(rate, key=col.key, href=cell_href(site.code, col.key, period_query), label=label))
        groups.setdefault(site.region, []).append(Row(site, cells))
    return HeatMap(columns, [Group(code, region_names.get(code, code), group) for code, group in groups.items()])
