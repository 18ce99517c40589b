"""The engine's arithmetic on sites x criteria arrays (numpy), so 1,000 sites x 40 criteria cost a few
vector operations rather than 40,000 rounds of Python. Formulas: stats.py.

Index convention: s = site (in the answer's order), k = criterion key, t = touch point, j = segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import stats
from .timeline import Segment

REPORT_DRIVERS = 5   # sites named as the network's spread drivers
SPREAD_DRIVERS = 3   # sites named per criterion / touch point


@dataclass
class Layout:
    segments: list[Segment]
    current: list[int]              # indexes of the current period's segments (the rest: previous period)
    keys: list[str]                 # criterion keys, in the standard's order
    prompts: list[str]              # what a person reads for each key (the latest version's wording)
    key_touch_point: list[str]
    weights: np.ndarray             # (j, k) the key's weight in the segment's version, 0 if absent
    touch_points: list[str]
    touch_point_names: list[str]
    tp_of: np.ndarray               # (k, t) one-hot: the key's touch point
    # Departments (variance grouped by department): the keys of the departments the criteria's touch points
    # belong to, None for touch points of no department; empty when not asked for.
    departments: list[str | None] = field(default_factory=list)
    department_names: list[str] = field(default_factory=list)
    department_of: np.ndarray | None = None  # (k, d) one-hot: the key's department


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b where b > 0, else 0; rates are capped at 1."""
    out = np.zeros(np.broadcast(a, b).shape)
    np.divide(a, b, out=out, where=b > 0)
    return np.minimum(out, 1.0)


def wilson(rate: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """stats.wilson over arrays (the same formula; n = 0 gives [0, 1])."""
    z2 = stats.Z2
    safe = np.where(n > 0, n, 1.0)
    denom = 1.0 + z2 / safe
    centre = (rate + z2 / (2.0 * safe)) / denom
    half = stats.Z / denom * np.sqrt(np.maximum(rate * (1.0 - rate), 0.0) / safe + z2 / (4.0 * safe * safe))
    low = np.where(rate <= 0.0, 0.0, np.maximum(0.0, centre - half))
    high = np.where(rate >= 1.0, 1.0, np.minimum(1.0, centre + half))
    return np.where(n > 0, low, 0.0), np.where(n > 0, high, 1.0)


def _flag(low, high, network_rate, n) -> np.ndarray:
    """stats.flag over arrays: -1 below the network, +1 above it, 0 in line or too few observations."""
    enough = n >= stats.MIN_FLAG_OBSERVATIONS
    return np.where(enough & (network_rate > high), -1, np.where(enough & (network_rate < low), 1, 0))


@dataclass
class Spreads:
    network_rate: np.ndarray  # (k) or (t)
    sigma: np.ndarray
    min_rate: np.ndarray
    max_rate: np.ndarray
    drivers: list[list[int]]  # site indexes, largest share of sigma² first
    shown: np.ndarray         # bool: at least one site was expected to report it


def _spread(passed: np.ndarray, expected: np.ndarray, rate: np.ndarray, present: np.ndarray):
    """Per column: the pooled network rate, the expected-weighted stddev of the site rates around it, and
    each site's share of the variance."""
    total = expected.sum(axis=0)
    network = _div(passed.sum(axis=0), total)
    share = np.zeros_like(rate)
    np.divide(expected * (rate - network) ** 2, total, out=share, where=total > 0)
    sigma = np.sqrt(share.sum(axis=0))
    any_site = present.any(axis=0)
    lo = np.where(any_site, np.where(present, rate, np.inf).min(axis=0, initial=np.inf), 0.0)
    hi = np.where(any_site, np.where(present, rate, -np.inf).max(axis=0, initial=-np.inf), 0.0)
    order = np.argsort(-share, axis=0, kind="stable")[:SPREAD_DRIVERS]
    drivers = [[int(s) for s in order[:, c] if share[s, c] > 0] for c in range(share.shape[1])]
    return Spreads(network, sigma, lo, hi, drivers, any_site), share


class Grid:
    """Inputs (filled by the engine) and results (filled by ``compute``) for S sites and K keys."""

    @classmethod
    def empty(cls, sites: int, layout: Layout) -> Grid:
        g = cls()
        k, j = len(layout.keys), len(layout.segments)
        g.days = np.zeros((sites, j), dtype=np.int64)       # expected days per segment
        g.late = np.zeros(sites, dtype=np.int64)
        g.checked = np.zeros(sites, dtype=np.int64)
        for name in ("observations", "passed", "prev_passed"):
            setattr(g, name, np.zeros((sites, k), dtype=np.int64))
        for name in ("weighted_passed", "prev_weighted_passed", "deviation", "deviation_sq"):
            setattr(g, name, np.zeros((sites, k)))
        g.not_applicable = None  # (j, s, k) expected days a not-applicable mark takes away (engine); None: none
        return g


def compute(g: Grid, layout: Layout) -> None:
    cur = layout.current
    prev = [j for j in range(len(layout.segments)) if j not in set(cur)]
    w = layout.weights
    present = (w > 0).astype(np.int64)
    days_cur, days_prev = g.days[:, cur], g.days[:, prev]
    # Expected criterion-days: the days of each segment whose version has the key.
    g.expected = days_cur @ present[cur]
    g.weighted_expected = days_cur @ w[cur]
    g.prev_expected = days_prev @ present[prev]
    g.prev_weighted_expected = days_prev @ w[prev]
    g.expected_days = days_cur.sum(axis=1)
    # Days a criterion is marked not applicable at a site are not expected of it (its results are not counted).
    na = g.not_applicable
    marked = np.zeros_like(g.expected)
    if na is not None:
        marked = np.einsum("jsk,jk->sk", na[cur], present[cur])
        g.expected = g.expected - marked
        g.weighted_expected = g.weighted_expected - np.einsum("jsk,jk->sk", na[cur], w[cur])
        g.prev_expected = g.prev_expected - np.einsum("jsk,jk->sk", na[prev], present[prev])
        g.prev_weighted_expected = g.prev_weighted_expected - np.einsum("jsk,jk->sk", na[prev], w[prev])

    # Per site and criterion.
    g.rate = _div(g.passed, g.expected)
    g.low, g.high = wilson(g.rate, g.expected)
    obs = g.observations
    g.mean = _div_nocap(g.deviation, obs)
    g.sd = np.sqrt(np.maximum(_div_nocap(g.deviation_sq, obs) - g.mean * g.mean, 0.0))
    g.prev_rate = _div(g.prev_passed, g.prev_expected)
    g.shown = (g.expected > 0) | (obs > 0)
    # "n/a": marked on every day the criterion was expected of the site in the period. Listed with the site's
    # criteria (not a rate); the touch point rows count only what was expected (g.shown).
    g.not_applicable_cells = (marked > 0) & ~g.shown

    # Per site and touch point, and per site and department when asked: one formula for both (groups()).
    g.touch_points = groups(g, layout.tp_of)
    g.departments = groups(g, layout.department_of) if layout.department_of is not None else None

    # Per site.
    g.site_wpassed, g.site_wexpected = g.weighted_passed.sum(axis=1), g.weighted_expected.sum(axis=1)
    g.site_n = g.expected.sum(axis=1)
    g.score = _div(g.site_wpassed, g.site_wexpected)
    g.score_low, g.score_high = wilson(g.score, g.site_n)
    g.prev_wexpected = g.prev_weighted_expected.sum(axis=1)
    g.prev_score = _div(g.prev_weighted_passed.sum(axis=1), g.prev_wexpected)

    # Across the network.
    n_total = g.site_n.sum()
    g.network_score = float(_div(np.array(g.site_wpassed.sum()), np.array(g.site_wexpected.sum())))
    low, high = wilson(np.array(g.network_score), np.array(float(n_total)))
    g.network_interval = (float(low), float(high))
    g.criteria, share = _spread(g.passed, g.expected, g.rate, g.expected > 0)
    contribution = share.sum(axis=1)
    order = np.argsort(-contribution, kind="stable")[:REPORT_DRIVERS]
    g.drivers = [int(s) for s in order if contribution[s] > 0]
    g.consistency_index = stats.consistency_index(g.criteria.sigma[g.criteria.shown].tolist())
    # The previous period's network score and index (the network's trend), from the same read: the same sums
    # over the previous segments as a report on that period alone (tests/consistency/test_variance_detail.py).
    prev_total = float(g.prev_weighted_expected.sum())
    g.prev_network_score = float(g.prev_weighted_passed.sum()) / prev_total if prev_total > 0 else None
    prev_spread, _ = _spread(g.prev_passed, g.prev_expected, g.prev_rate, g.prev_expected > 0)
    g.prev_consistency_index = (stats.consistency_index(prev_spread.sigma[prev_spread.shown].tolist())
                                if prev_total > 0 else None)

    # Flags (-1 below, +1 above): the network's rate outside the site's interval, with enough observations.
    g.flag = _flag(g.low, g.high, g.criteria.network_rate, g.expected)
    g.site_flag = _flag(g.score_low, g.score_high, g.network_score, g.site_n)


@dataclass
class Groups:
    """Per site and group of criteria (a touch point, or a department): weighted like a site's score, its Wilson
    interval on the unweighted expected count, and the network's spread and flags over the groups."""

    wpassed: np.ndarray             # (s, t) weighted passes
    wexpected: np.ndarray           # (s, t) weighted expected observations
    expected: np.ndarray            # (s, t) unweighted expected: the Wilson n
    observations: np.ndarray        # (s, t) results received
    rate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    mean: np.ndarray                # mean deviation over the observed results
    prev_wexpected: np.ndarray
    prev_rate: np.ndarray
    shown: np.ndarray               # bool: a criterion of the group is shown for the site
    spread: Spreads                 # across the network, per group
    flag: np.ndarray                # -1 below / +1 above the network


def groups(g: Grid, of: np.ndarray) -> Groups:
    """The rows of criteria grouped by ``of`` ((k, t) one-hot: the key's group), for every site: the touch point
    rows and the department rows are this one computation over different groupings."""
    wpassed, wexpected = g.weighted_passed @ of, g.weighted_expected @ of
    expected = g.expected @ of
    observations = np.rint(g.observations @ of).astype(np.int64)  # a count (the product gives floats: "150.0")
    rate = _div(wpassed, wexpected)
    low, high = wilson(rate, expected)
    prev_wexpected = g.prev_weighted_expected @ of
    spread, _ = _spread(wpassed, wexpected, rate, wexpected > 0)
    return Groups(wpassed=wpassed, wexpected=wexpected, expected=expected, observations=observations, rate=rate,
                  low=low, high=high, mean=_div_nocap(g.deviation @ of, observations), prev_wexpected=prev_wexpected,
                  prev_rate=_div(g.prev_weighted_passed @ of, prev_wexpected),
                  shown=(g.shown.astype(np.int64) @ of) > 0, spread=spread,
                  flag=_flag(low, high, spread.network_rate, expected))


def _div_nocap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast(a, b).shape)
    np.divide(a, b, out=out, where=b > 0)
    return out
