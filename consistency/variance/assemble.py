"""Turn the engine's arrays into the answer's dataclasses (types.py).

This is the one loop over every site x criterion; it only copies numbers already computed. Criterion
rates with the same counts share one (immutable) Rate: daily counts repeat a lot across sites.

The cyclic garbage collector is paused while the objects are made (``gc_paused``): every few hundred new
objects it would otherwise scan the young ones, and now and then every object of the process, though none
of these can be garbage (they are all reachable from the answer, and hold no cycles). At 5,000 sites
(200,000 criterion objects) the collections took two thirds of the time of making them
(bench/RESULTS-variance.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import threading

import numpy as np

from . import stats
from .grid import Grid, Groups, Layout
from .types import (
    CriterionVariance,
    PhotoCounts,
    Rate,
    SiteVariance,
    Spread,
    TouchPointVariance,
    VarianceReport,
)

NO_PHOTOS = PhotoCounts()

_gc_lock = threading.Lock()
_gc_pausers = 0        # threads inside gc_paused
_gc_was_enabled = False


@contextlib.contextmanager
def gc_paused():
    """No automatic cyclic collection inside (reference counting still frees what is dropped). Nested and
    concurrent uses (threads) share one pause: the collector is re-enabled when the last one leaves, and only
    if it was enabled when the first one came in."""
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def assemble(layout: Layout, site_list: list, g: Grid | None, *, date_from: dt.date, date_to: dt.date,
             versions: list[int], photos: dict[int, PhotoCounts] | None = None,
             detail: str = "criteria", criteria_for: frozenset[str] = frozenset(),
             not_applicable: dict[int, list] | None = None) -> VarianceReport:
    if g is None:
        return VarianceReport(date_from=date_from, date_to=date_to, versions=versions, network_score=0.0,
                              network_score_interval=(0.0, 1.0), consistency_index=100.0, sites=[],
                              touch_point_spread=[], criterion_spread=[], drivers=[], detail=detail)
    codes = [s.code for s in site_list]
    with gc_paused():
        return _report(layout, site_list, g, codes, date_from=date_from, date_to=date_to, versions=versions,
                       photos=photos, detail=detail, criteria_for=criteria_for, not_applicable=not_applicable or {})


def _report(layout: Layout, site_list: list, g: Grid, codes: list[str], *, date_from: dt.date, date_to: dt.date,
            versions: list[int], photos: dict[int, PhotoCounts] | None, detail: str,
            criteria_for: frozenset[str], not_applicable: dict[int, list]) -> VarianceReport:
    return VarianceReport(
        date_from=date_from, date_to=date_to, versions=versions, network_score=g.network_score,
        network_score_interval=g.network_interval, consistency_index=g.consistency_index,
        sites=_sites(layout, site_list, g, photos or {},
                     criteria=None if detail == "criteria" else np.array([c in criteria_for for c in codes]),
                     not_applicable=not_applicable),
        drivers=[codes[i] for i in g.drivers], detail=detail,
        previous_network_score=g.prev_network_score, previous_consistency_index=g.prev_consistency_index,
        touch_point_spread=_spreads(g.touch_points.spread, layout.touch_points, layout.touch_point_names, codes),
        criterion_spread=_spreads(g.criteria, layout.keys, layout.prompts, codes),
        department_spread=(_spreads(g.departments.spread, layout.departments, layout.department_names, codes)
                           if g.departments is not None else []),
    )


def _spreads(sp, keys: list[str], names: list[str], codes: list[str]) -> list[Spread]:
    net, sigma, lo, hi = sp.network_rate.tolist(), sp.sigma.tolist(), sp.min_rate.tolist(), sp.max_rate.tolist()
    return [Spread(key=keys[c], name=names[c], network_rate=net[c], stddev=sigma[c], min_rate=lo[c],
                   max_rate=hi[c], drivers=[codes[i] for i in sp.drivers[c]])
            for c in range(len(keys)) if sp.shown[c]]


_DIRECTIONS = np.array([stats.BELOW, None, stats.ABOVE], dtype=object)


def _direction(flag: np.ndarray) -> np.ndarray:
    """The engine's -1 / 0 / +1 flags as "below" / None / "above"."""
    return _DIRECTIONS[flag + 1]


def _or_none(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    return np.where(present, values, None)


def _rates(passed: np.ndarray, expected: np.ndarray, rate, low, high) -> np.ndarray:
    """One Rate per distinct (passed, expected) pair, as an object array shaped like ``passed``."""
    if not passed.size:
        return np.empty(passed.shape, dtype=object)
    p, e = passed.ravel(), expected.ravel()
    code = p * (int(e.max()) + 1) + e  # one integer per (passed, expected) pair
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    values = [a.ravel()[first].tolist() for a in (passed, expected, rate, low, high)]
    made = np.empty(len(first), dtype=object)
    made[:] = list(map(Rate, *values))
    return made[inverse.ravel()].reshape(passed.shape)


def _per_site(cls, shown: np.ndarray, columns: list[np.ndarray]) -> list[list]:
    """cls(*column values) for every shown (site, column) cell, grouped by site, in one pass."""
    flat = [np.broadcast_to(c, shown.shape)[shown].tolist() for c in columns]
    objects = list(map(cls, *flat))
    ends = np.cumsum(shown.sum(axis=1)).tolist()
    out, start = [], 0
    for end in ends:
        out.append(objects[start:end])
        start = end
    return out


def _criteria(layout: Layout, g: Grid, shown: np.ndarray) -> list[list[CriterionVariance]]:
    observed = g.observations > 0
    has_prev = g.prev_expected > 0
    prev = _or_none(g.prev_rate, has_prev)
    return _per_site(CriterionVariance, shown, [
        np.array(layout.keys, dtype=object), np.array(layout.prompts, dtype=object),
        np.array(layout.key_touch_point, dtype=object),
        _rates(g.passed, g.expected, g.rate, g.low, g.high),
        _or_none(g.mean, observed), g.observations, prev,
        _or_none(g.rate - g.prev_rate, has_prev & (g.expected > 0)),
        _or_none(g.sd, observed), g.flag < 0, _direction(g.flag), g.not_applicable_cells,
    ])


def _group_rows(gr: Groups, keys: list, names: list[str]) -> list[list[TouchPointVariance]]:
    """Each site's rows of a grouping (touch points, or departments), from ``grid.groups``."""
    has_prev = gr.prev_wexpected > 0
    rates = np.empty(gr.rate.size, dtype=object)
    rates[:] = list(map(Rate, *(a.ravel().tolist() for a in (gr.wpassed, gr.wexpected, gr.rate, gr.low, gr.high))))
    rates = rates.reshape(gr.rate.shape)
    return _per_site(TouchPointVariance, gr.shown, [
        np.array(keys, dtype=object), np.array(names, dtype=object), rates,
        _or_none(gr.mean, gr.observations > 0), gr.observations, _or_none(gr.prev_rate, has_prev),
        _or_none(gr.rate - gr.prev_rate, has_prev & (gr.wexpected > 0)), gr.flag < 0, _direction(gr.flag),
    ])


def _sites(layout: Layout, site_list: list, g: Grid, photos: dict[int, PhotoCounts], *,
           criteria: np.ndarray | None, not_applicable: dict[int, list]) -> list[SiteVariance]:
    """``criteria``: None, every site's criterion list; else a mask of the sites that get theirs, the others'
    left empty (variance_report's detail="touch_points" and criteria_for)."""
    shown = g.shown | g.not_applicable_cells  # a criterion n/a for the whole period is listed, as "n/a"
    if criteria is None:
        per_site_criteria = _criteria(layout, g, shown)
    elif criteria.any():
        per_site_criteria = _criteria(layout, g, shown & criteria[:, None])
    else:
        per_site_criteria = [[] for _ in site_list]
    touch_points = _group_rows(g.touch_points, layout.touch_points, layout.touch_point_names)
    departments = (_group_rows(g.departments, layout.departments, layout.department_names)
                   if g.departments is not None else [[] for _ in site_list])
    has_expected, has_prev = g.site_wexpected > 0, g.prev_wexpected > 0
    columns = [
        [site.code for site in site_list], [site.name for site in site_list], [site.region for site in site_list],
        _or_none(g.score, has_expected),  # nothing expected: no score (0% would rank the site worst), nor a trend
        list(zip(g.score_low.tolist(), g.score_high.tolist(), strict=True)),
        _or_none(g.prev_score, has_prev), _or_none(g.score - g.prev_score, has_prev & has_expected),
        g.expected_days, g.checked, np.maximum(g.expected_days - g.checked, 0), g.late,
        g.site_flag < 0, _direction(g.site_flag), touch_points, per_site_criteria,
        [photos.get(site.pk, NO_PHOTOS) for site in site_list], departments,
        [not_applicable.get(i, []) for i in range(len(site_list))],
    ]
    # Positional, in SiteVariance's field order.
    return list(map(SiteVariance, *(c.tolist() if isinstance(c, np.ndarray) else c for c in columns)))
